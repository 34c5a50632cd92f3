"""Holding a mail "à vérifier": nothing relayed, nothing answered, the raw mail kept.

A reply whose author is not authenticated, or that names its ticket only by
something guessable (the subject tag, an unsigned Message-ID), and a request
whose From fails authentication, end here instead of in a ticket. The spool
row takes the state ``review`` with a French reason; an administrator then
releases or rejects it (``gateway.processing.review``). The participant in
whose name a reply came is told once, at their own address (never at an
address the mail gave), that a message is waiting: the real person learns
that someone writes in their name, and a forger cannot make the gateway write
to anyone repeatedly.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import InboundMail, OutboundMail, Participant, Ticket, audit
from gateway.outbound import fanout
from gateway.processing.outcomes import Outcome, held


def hold_reply(session: Session, settings: Settings, inbound: InboundMail, ticket: Ticket, participant: Participant,
               reason: str, *, via: str) -> Outcome:
    """Keep a reply in ``participant``'s name for review and tell them once."""
    told = tell_participant_once(session, settings, ticket, participant)
    audit(session, "mail.held", ticket_id=ticket.id, inbound_id=inbound.id, participant=participant.email,
          via=via, verdict=inbound.auth_verdict, envelope=inbound.mail_from, reason=reason, notice=told)
    return held(reason, f"held for review: reply on {ticket.reference} via {via}", ticket)


def hold_request(session: Session, inbound: InboundMail, reason: str) -> Outcome:
    """Keep a new request for review: no ticket, no acknowledgement to a From that may be forged."""
    audit(session, "mail.held", inbound_id=inbound.id, claimed=inbound.claimed_sender,
          verdict=inbound.auth_verdict, envelope=inbound.mail_from, reason=reason)
    return held(reason, "held for review: request whose sender fails authentication")


def tell_participant_once(session: Session, settings: Settings, ticket: Ticket, participant: Participant) -> bool:
    """Queue the "a message in your name is waiting" notice, unless this participant already had it."""
    key = f"held-notice:{participant.id}"
    if session.scalars(select(OutboundMail.id).where(OutboundMail.dedup_key == key)).first() is not None:
        return False
    message_id = fanout.new_message_id(settings, ticket, "held")
    raw = fanout.build_mail(
        settings, ticket=ticket, recipient=participant, template="held_notice", context={},
        author_label="", message_id=message_id, references=[fanout.ticket_root_id(settings, ticket)], automatic=True,
    )
    fanout.queue(session, raw, message_id=message_id, ticket=ticket, recipient=participant, dedup_key=key)
    return True
