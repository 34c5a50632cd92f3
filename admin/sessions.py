"""Server-side login sessions: the cookie carries a random token, the database its hash.

Flask's signed cookie keeps only that token (and the CSRF secret). Who is
logged in is read from ``admin_sessions`` at every request, so revoking a row
(an administrator's button, a logout, a deactivated account) ends the
session at once, whichever process serves the next request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Account, AdminSession, utcnow

#: ``last_seen_at`` is written at most this often, not on every request.
SEEN_EVERY = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(session: Session, settings: Settings, account: Account, *, client_address: str, user_agent: str,
                 method: str) -> str:
    """Record a new login; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(AdminSession(
        token_hash=token_hash(token), account_id=account.id, created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=settings.admin_session_hours),
        client_address=client_address[:100], user_agent=user_agent[:300], method=method,
    ))
    account.last_login_at = now
    return token


def load_session(session: Session, token: str | None) -> AdminSession | None:
    """The live session of this token: not revoked, not expired, its account active."""
    if not token:
        return None
    now = utcnow()
    row = session.scalars(
        select(AdminSession).join(Account, Account.id == AdminSession.account_id).where(
            AdminSession.token_hash == token_hash(token), AdminSession.revoked_at.is_(None),
            AdminSession.expires_at > now, Account.active.is_(True),
        )
    ).first()
    if row is not None and now - row.last_seen_at > SEEN_EVERY:
        row.last_seen_at = now
    return row


def revoke(session: Session, session_id: int, *, by: str) -> bool:
    """Revoke one session; False when it was already over."""
    result = session.execute(
        update(AdminSession).where(AdminSession.id == session_id, AdminSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by=by)
    )
    return result.rowcount == 1


def revoke_all(session: Session, account_id: int, *, by: str) -> int:
    result = session.execute(
        update(AdminSession).where(AdminSession.account_id == account_id, AdminSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by=by)
    )
    return result.rowcount


def live_sessions(session: Session, account_id: int | None = None) -> list[AdminSession]:
    statement = select(AdminSession).where(AdminSession.revoked_at.is_(None), AdminSession.expires_at > utcnow())
    if account_id is not None:
        statement = statement.where(AdminSession.account_id == account_id)
    return list(session.scalars(statement.order_by(AdminSession.last_seen_at.desc())))
