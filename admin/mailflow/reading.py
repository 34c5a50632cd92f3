"""What the inbound page shows of a raw mail: its headers, and what ``aplus explain`` understands of it.

Reads only. The thread lookup runs in the request's own session (not through
``explain_command.thread_of``, which opens a second session: on SQLite the
request already holds the write turn, and a second transaction would wait
for it forever).
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.errors import HeaderParseError

from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.explain import explain_understood
from gateway.explain_command import routing_of
from gateway.models import InboundMail
from gateway.processing.thread_match import Matched, Rejected, Unverified, match_mail
from gateway.understand import read_mail

MAX_HEADERS = 200
MAX_HEADER_LENGTH = 2000


def headers(raw: bytes) -> list[tuple[str, str]]:
    """The header fields in order, decoded (RFC 2047) where possible, cut to a readable size."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    parsed = message_from_bytes(head + b"\r\n\r\n", policy=policy.default)
    fields = []
    for name, value in parsed.raw_items():
        try:
            text = str(parsed.policy.header_fetch_parse(name, value))
        except (HeaderParseError, ValueError, IndexError, TypeError):
            text = str(value)
        fields.append((name, text[:MAX_HEADER_LENGTH]))
        if len(fields) >= MAX_HEADERS:
            break
    return fields


def subject_of(raw: bytes) -> str:
    """The decoded Subject, for lists (first 300 characters)."""
    for name, value in headers(raw[:64 * 1024]):
        if name.lower() == "subject":
            return value[:300]
    return ""


def explain(session: Session, settings: Settings, inbound: InboundMail) -> dict:
    """The ``aplus explain`` dict of this mail (understanding, routing, thread), nothing written."""
    understood = read_mail(inbound.raw, own_domain=settings.domain)
    routing = routing_of(understood) if understood.automatic.kind == "human" else None
    with session.no_autoflush:
        match = match_mail(session, settings, inbound.recipients, understood)
    thread = {"ticket": None, "participant": None, "visibility": None, "via": None, "rejected": None}
    if isinstance(match, Matched):
        thread.update(ticket=match.ticket.reference, participant=match.participant.email,
                      visibility=match.visibility, via=match.via)
    elif isinstance(match, Rejected):
        thread.update(ticket=match.ticket.reference if match.ticket else None, rejected=match.reason)
    elif isinstance(match, Unverified):  # a participant of the ticket, linked by guessable clues only
        thread.update(ticket=match.ticket.reference, participant=match.participant.email, via=match.via)
    return explain_understood(understood, file=f"spool:{inbound.id}", routing=routing, thread=thread)
