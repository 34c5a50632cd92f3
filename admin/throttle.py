"""Login rate limits, per account and per client address, counted in the database.

Counting rows of ``admin_login_attempts`` rather than keeping counters in
memory (Flask-Limiter's default) makes a limit hold across the processes and
restarts of the admin with no other store to run. Only failures count
against passwords, so a person who logs in often is never locked out; every
request of a magic link counts, since each one sends a mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from gateway.models import LoginAttempt, utcnow

WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int


LIMITS = {"password": Limits(per_account=5, per_address=20), "link": Limits(per_account=3, per_address=10)}
REFUSAL = ("Trop de tentatives de connexion en peu de temps. Pour votre sécurité, patientez un quart d'heure "
           "avant de réessayer.")


def is_limited(session: Session, *, kind: str, email: str, client_address: str) -> bool:
    """True when this account or this address used up its tries of ``kind`` in the window."""
    limits = LIMITS[kind]
    since = utcnow() - WINDOW
    counted = select(func.count(LoginAttempt.id)).where(LoginAttempt.kind == kind, LoginAttempt.at >= since)
    if kind == "password":
        counted = counted.where(LoginAttempt.succeeded.is_(False))
    by_account = session.scalar(counted.where(LoginAttempt.email == email)) if email else 0
    by_address = session.scalar(counted.where(LoginAttempt.client_address == client_address))
    return by_account >= limits.per_account or by_address >= limits.per_address


def record(session: Session, *, kind: str, email: str, client_address: str, succeeded: bool) -> None:
    session.add(LoginAttempt(kind=kind, email=email[:320], client_address=client_address[:100], succeeded=succeeded))


def forget_old(session: Session) -> int:
    """Drop attempts older than a day (they count for nothing any more)."""
    return session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - timedelta(days=1))).rowcount
