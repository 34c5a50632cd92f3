"""One-time login links sent by mail through the outbox.

A link is single use and lives ``LINK_MINUTES``. Opening it (GET) only shows
a page with a "Me connecter" button; the login happens when that button is
pressed (a POST with the CSRF token of the page). Mail security scanners of
Outlook and Gmail open every link of a mail (GET, no cookie, no form), so
they can never use a link up or log in with it.

The mail goes through the outbox like any other, so delivery, retries and
capture work the same; the link's base is the configured admin URL
(``APLUS_ADMIN_URL``), never the request's Host header, which whoever asks
for a link could set to their own site.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from email.utils import format_datetime, make_msgid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Account, MagicLink, OutboundMail, utcnow
from gateway.outbound.mime import address_header, compose
from gateway.outbound.templating import render_mail
from admin.sessions import token_hash

LINK_MINUTES = 30
SUBJECT = "Votre lien de connexion à l'administration A+"


def create_link(session: Session, settings: Settings, account: Account, *, requested_from: str = "") -> str:
    """Store a new link for ``account``; returns its URL (shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(MagicLink(token_hash=token_hash(token), account_id=account.id, created_at=now,
                          expires_at=now + timedelta(minutes=LINK_MINUTES), requested_from=requested_from[:100]))
    return f"{settings.admin_base_url}/connexion/lien/{token}"


def send_link(session: Session, settings: Settings, account: Account, *, requested_from: str) -> OutboundMail:
    """Create a link and queue the mail that carries it."""
    link = create_link(session, settings, account, requested_from=requested_from)
    session.flush()
    text, html = render_mail("admin_login_link", site_name=settings.site_name, subject=SUBJECT, link=link,
                             minutes=LINK_MINUTES)
    message_id = make_msgid("login", domain=settings.domain)
    raw = compose([
        ("From", address_header(settings.site_name, settings.address)),
        ("To", address_header("", account.email)),
        ("Subject", SUBJECT),
        ("Date", format_datetime(utcnow())),
        ("Message-ID", message_id),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
        ("X-Aplus-Loop", settings.domain),
    ], text, html)
    row = OutboundMail(dedup_key=f"admin-login:{message_id}", ticket_id=None, participant_id=None,
                       recipient=account.email, message_id_header=message_id, raw=raw)
    session.add(row)
    return row


def pending_link(session: Session, token: str) -> MagicLink | None:
    """The link of this token if it can still be used; reading it uses nothing up."""
    return session.scalars(select(MagicLink).join(Account).where(
        MagicLink.token_hash == token_hash(token), MagicLink.used_at.is_(None), MagicLink.expires_at > utcnow(),
        Account.active.is_(True),
    )).first()


def use_link(session: Session, token: str) -> Account | None:
    """Use the link up (one conditional UPDATE: two clicks at once cannot both win); its account or None."""
    link = pending_link(session, token)
    if link is None:
        return None
    used = session.execute(update(MagicLink).where(MagicLink.id == link.id, MagicLink.used_at.is_(None))
                           .values(used_at=utcnow()))
    return link.account if used.rowcount == 1 else None
