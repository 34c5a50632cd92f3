"""The weekly digest: each agent gets the list of their open cases, once a week.

Sent from ``digest_weekday`` on (Monday by default); the key
"digest:<agent>:<ISO week>" makes it once per week, so a scheduler that was
down on Monday sends it on Tuesday, and a server down for three weeks sends
this week's digest only, not three.
"""

from __future__ import annotations

from email.utils import format_datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import addresses
from gateway.business_days import business_days_between
from gateway.config import Settings
from gateway.models import Agent, OutboundMail, Participant, Ticket, audit, utcnow
from gateway.outbound.fanout import LOOP_HEADER, from_header
from gateway.outbound.mime import address_header, compose
from gateway.outbound.templating import render_mail
from gateway.processing import marks

STATUS_LABELS = {"new": "nouveau", "open": "en cours"}


def week_key(settings: Settings) -> str | None:
    """This week's ISO name ("2026-W49"), or None before the digest's weekday."""
    now = utcnow()
    if now.weekday() < settings.digest_weekday:
        return None
    year, week, _ = now.isocalendar()
    return f"{year}-W{week:02d}"


def agents_with_open_cases(session: Session) -> list[int]:
    return list(session.scalars(
        select(Participant.agent_id).join(Ticket, Ticket.id == Participant.ticket_id)
        .where(Ticket.status != "closed", Participant.agent_id.is_not(None), Participant.removed_at.is_(None))
        .distinct().order_by(Participant.agent_id)
    ))


def send_digest(session: Session, settings: Settings, agent_id: int, week: str) -> bool:
    """One agent's digest for ``week``, once; False when already sent or nothing is open."""
    agent = session.get(Agent, agent_id)
    if agent is None or not agent.active:
        return False
    rows = session.execute(
        select(Ticket, Participant).join(Participant, Participant.ticket_id == Ticket.id)
        .where(Participant.agent_id == agent_id, Participant.removed_at.is_(None), Ticket.status != "closed")
        .order_by(Ticket.created_at)
    ).all()
    if not rows or not marks.claim(session, f"digest:{agent_id}:{week}"):
        return False
    now = utcnow()
    cases = [{
        "reference": ticket.reference, "subject": ticket.subject,
        "status": STATUS_LABELS.get(ticket.status, ticket.status),
        "late": ticket.late_since is not None, "taken_by_me": ticket.taken_by_id == participant.id,
        "days": business_days_between(ticket.created_at, now, None),
        "reply_address": addresses.personal_address(settings, "reply", ticket.id, participant.id),
    } for ticket, participant in rows]
    subject = f"{settings.site_name} : vos {len(cases)} dossier(s) en cours (semaine {week[-2:]})"
    text, html = render_mail("digest", site_name=settings.site_name, subject=subject, recipient_name=agent.full_name,
                             cases=cases, address=settings.address)
    message_id = f"<digest.{agent_id}.{week.lower()}@{settings.domain}>"
    raw = compose([
        ("From", from_header(settings, "")), ("To", address_header(agent.full_name, agent.email)),
        ("Subject", subject), ("Date", format_datetime(now)), ("Message-ID", message_id),
        (LOOP_HEADER, settings.domain), ("Auto-Submitted", "auto-generated"), ("X-Auto-Response-Suppress", "All"),
    ], text, html, [])
    session.add(OutboundMail(dedup_key=f"digest:{agent_id}:{week}", recipient=agent.email,
                             message_id_header=message_id, raw=raw))
    audit(session, "agent.digest", actor="gateway", agent=agent.email, week=week, tickets=len(cases))
    return True

