"""Mail no person wrote: bounces, out-of-office replies, lists, our own mail.

None of it is ever relayed or answered (RFC 3834). What it says is still kept:
a bounce marks the participant whose address fails and shows on the ticket;
an out-of-office is logged on its ticket without changing the ticket's state;
bulk mail is quarantined for a person to look at; our own mail coming back is
recorded as a loop and stops there.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.processing.outcomes import Outcome, done, quarantine
from gateway.models import InboundMail, Message, OutboundMail, Participant, Ticket, audit
from gateway.models.bounces import record_bounce
from gateway.processing.away import note_away
from gateway.processing.thread_match import Matched, match_mail
from gateway.understand.model import Understood


def handle_automatic(session: Session, settings: Settings, inbound: InboundMail, mail: Understood) -> Outcome:
    kind = mail.automatic.kind
    if kind == "bounce":
        return handle_bounce(session, settings, inbound, mail)
    if kind == "own":
        audit(session, "mail.loop", inbound=inbound.id, reasons=mail.automatic.reasons)
        return done("our own mail came back (loop): ignored")
    if kind == "bulk":
        return quarantine("Courrier de masse (liste de diffusion ou lettre d'information) : jamais relayé.", "bulk mail")
    return log_auto_reply(session, settings, inbound, mail)


def log_auto_reply(session: Session, settings: Settings, inbound: InboundMail, mail: Understood) -> Outcome:
    """Keep an out-of-office on its ticket, visible to agents, without any mail or state change."""
    match = match_mail(session, settings, inbound.recipients, mail)
    if not isinstance(match, Matched):
        return done("automatic reply outside any ticket: ignored")
    session.add(Message(
        ticket_id=match.ticket.id, author_id=match.participant.id, visibility="internal", kind="auto_reply",
        text=mail.text, trimmed=mail.trimmed or mail.text, elided=mail.elided, rfc_message_id=mail.message_id,
        our_message_id="", source="mail", inbound_id=inbound.id,
    ))
    audit(session, "mail.auto_reply", ticket_id=match.ticket.id, participant=match.participant.email)
    note_away(session, settings, match.ticket, match.participant)  # shown on the ticket; a whole group away is told
    return done(f"automatic reply logged on {match.ticket.reference}", match.ticket)


def handle_bounce(session: Session, settings: Settings, inbound: InboundMail, mail: Understood) -> Outcome:
    """Map a delivery failure back to the outbound mail, then to the participant."""
    report = mail.bounce
    outbound = _bounced_outbound(session, settings, inbound, mail)
    if outbound is None or outbound.participant_id is None:
        return quarantine("Avis de non-remise qui ne correspond à aucun message envoyé par A+.", "unmatched bounce")
    participant = session.get(Participant, outbound.participant_id)
    ticket = session.get(Ticket, outbound.ticket_id) if outbound.ticket_id else None
    status = report.status if report else ""
    _record(session, inbound, outbound, ticket, report)
    if report is not None and not report.permanent:
        return done(f"delivery delayed for outbound {outbound.id}: nothing to do", ticket)
    participant.bouncing = True
    participant.bounce_detail = f"{status} {outbound.recipient}".strip()
    if ticket is not None:
        session.add(Message(
            ticket_id=ticket.id, author_id=None, visibility="internal", kind="bounce", source="system",
            text=f"Le message envoyé à {outbound.recipient} n'a pas pu être remis ({status or 'erreur permanente'}).",
            trimmed=f"Adresse en échec : {outbound.recipient} ({status or 'erreur permanente'}).",
            our_message_id="", inbound_id=inbound.id,
        ))
    audit(session, "mail.bounce", ticket_id=ticket.id if ticket else None, recipient=outbound.recipient,
          outbound=outbound.id, status=status)
    return done(f"bounce for outbound {outbound.id} ({outbound.recipient})", ticket)


def _record(session: Session, inbound: InboundMail, outbound: OutboundMail, ticket: Ticket | None, report) -> None:
    """Every report, permanent or delayed, is kept for the admin's bounce page."""
    record_bounce(
        session, inbound_id=inbound.id, outbound_id=outbound.id, participant_id=outbound.participant_id,
        ticket_id=ticket.id if ticket else None, recipient=outbound.recipient,
        status=report.status if report else "", action=report.action if report else "",
        permanent=report.permanent if report else True,
    )


def _bounced_outbound(session: Session, settings: Settings, inbound: InboundMail, mail: Understood) -> OutboundMail | None:
    from gateway.understand.verp import parse_verp

    candidates = [*inbound.recipients]
    if mail.bounce and mail.bounce.verp_address:
        candidates.insert(0, mail.bounce.verp_address)
    for address in candidates:
        outbound_id = parse_verp(address, settings.secret)
        if outbound_id is not None:
            row = session.get(OutboundMail, outbound_id)
            if row is not None:
                return row
    if mail.bounce and mail.bounce.original_message_id:
        rows = session.scalars(
            select(OutboundMail).where(OutboundMail.message_id_header == mail.bounce.original_message_id)
        ).all()
        failed = {r.lower() for r in mail.bounce.recipients}
        for row in rows:
            if row.recipient in failed or len(rows) == 1:
                return row
    return None
