"""Which ticket does an inbound mail belong to, and who is speaking?

In order of trust: a personal reply address (HMAC token, the sender must be
that participant), then In-Reply-To/References quoting a Message-ID we sent
*to that participant* (HMAC per recipient, ``gateway.outbound.message_ids``):
both prove the author received our mail, so they are ``Matched``.

What anyone can guess or copy proves nothing: a References match on an
unsigned or shared id (the root ``<ticket.REF@domain>`` is built from the
public reference) or the subject tag ``[A+ #REF]`` alone gives ``Unverified``
when the sender takes part in that ticket: the caller holds it for review
rather than relay it (a genuine participant whose client dropped our headers
is released by an administrator in one click; a forger reaches nobody).
Opening a new ticket instead was rejected: it would acknowledge, at the
address the mail claims, a ticket its real owner never asked for. Failing
all, the mail is a new request. A token whose sender is somebody else is
*rejected*: the mail goes to quarantine and nothing is relayed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import addresses
from gateway.config import Settings
from gateway.models import Message, OutboundMail, Participant, Ticket
from gateway.outbound.message_ids import recipient_of, shared_id
from gateway.understand.model import Understood

SUBJECT_TAG = re.compile(r"\[A\+\s*#([A-Z0-9]{4,12})\]", re.IGNORECASE)
ROOT_ID = re.compile(r"^<ticket\.([a-z0-9]+)@(.+)>$", re.IGNORECASE)


@dataclass
class Matched:
    ticket: Ticket
    participant: Participant
    visibility: str  # "public" or "internal"
    via: str  # "token", "references", "subject", "usefulness"
    usefulness: str | None = None  # "oui" / "ne_sait_pas" / "non": sent to an answer address of the closing mail


@dataclass
class Unverified:
    """The sender takes part in ``ticket``, but only guessable clues link the mail to it."""

    ticket: Ticket
    participant: Participant
    via: str  # "references" or "subject"


@dataclass
class Rejected:
    reason: str  # French, shown in the admin's quarantine
    ticket: Ticket | None = None


@dataclass
class NoThread:
    pass


ThreadMatch = Matched | Unverified | Rejected | NoThread


def match_thread(
    session: Session, settings: Settings, recipients: list[str], sender: str | None, message_ids: list[str], subject: str
) -> ThreadMatch:
    """Find the ticket and the participant for a mail; see the module docstring."""
    by_token = _match_token(session, settings, recipients, sender)
    if by_token is not None:
        return by_token
    if sender:
        signed = _match_signed_reference(session, settings, message_ids, sender)
        if signed is not None:
            return signed
        for ticket in _tickets_by_message_ids(session, settings, message_ids):
            participant = _participant(ticket, sender)
            if participant is not None:
                return Unverified(ticket, participant, "references")  # later ids are never looked up
        ticket = _ticket_by_subject_tag(session, subject)
        if ticket is not None:
            participant = _participant(ticket, sender)
            if participant is not None:
                return Unverified(ticket, participant, "subject")
    return NoThread()


def _match_signed_reference(
    session: Session, settings: Settings, message_ids: list[str], sender: str
) -> Matched | Rejected | None:
    """A Message-ID we wrote for the sender, newest first: as good as their reply address."""
    for message_id in reversed([m for m in message_ids if m]):
        participant_id = recipient_of(settings, message_id)
        if participant_id is None:
            continue
        participant = session.get(Participant, participant_id)
        if participant is not None and participant.email == sender.lower():
            if not participant.active:  # one who left the ticket no longer speaks in it, whatever the clue
                return Rejected(
                    f"{participant.email} ne participe plus au dossier {participant.ticket.reference} : message non relayé.",
                    participant.ticket,
                )
            return Matched(participant.ticket, participant, "public", "references")
    return None


def match_mail(session: Session, settings: Settings, recipients: list[str], mail: Understood) -> ThreadMatch:
    """``match_thread`` for an understood mail: its From, the ids it answers, its subject."""
    sender = mail.sender.email if mail.sender else None
    return match_thread(session, settings, recipients, sender, mail.thread_ids, mail.subject)


def _match_token(session: Session, settings: Settings, recipients: list[str], sender: str | None) -> ThreadMatch | None:
    for recipient in recipients:
        extension = addresses.extension_of(settings, recipient)
        if extension is None or extension.startswith("bounce-"):
            continue
        token = addresses.verify_token(settings, extension)
        if token is None:
            return Rejected("Adresse de réponse invalide ou falsifiée (jeton incorrect).")
        participant = session.get(Participant, token.participant_id)
        if participant is None or participant.ticket_id != token.ticket_id:
            return Rejected("Adresse de réponse inconnue : ce participant n'existe plus.")
        if not sender or sender.lower() != participant.email:
            return Rejected(
                f"L'expéditeur « {sender or 'absent'} » n'est pas le participant à qui appartient cette adresse de réponse.",
                participant.ticket,
            )
        if token.purpose == "note" and not participant.is_agent:
            return Rejected("Seuls les agents peuvent écrire une note interne.", participant.ticket)
        if token.purpose.startswith("useful-"):
            return Matched(participant.ticket, participant, "public", "usefulness", token.purpose[len("useful-"):])
        if not participant.active:
            return Rejected(
                f"{participant.email} ne participe plus au dossier {participant.ticket.reference} : message non relayé.",
                participant.ticket,
            )
        visibility = "internal" if token.purpose == "note" else "public"
        return Matched(participant.ticket, participant, visibility, "token")
    return None


def _tickets_by_message_ids(session: Session, settings: Settings, message_ids: list[str]) -> Iterator[Ticket]:
    """Tickets whose mail we sent carried one of these Message-IDs, newest reference first.

    A generator, and each id once: In-Reply-To usually repeats the last id of
    References, and the first ticket where the sender takes part ends the
    search, so a reply costs one indexed lookup, not one per id it quotes.
    """
    seen_ids: set[str] = set()
    seen_tickets: set[int] = set()
    for message_id in reversed(message_ids):
        message_id = (message_id or "").strip()
        if not message_id or message_id in seen_ids:
            continue
        seen_ids.add(message_id)
        ticket = _ticket_for_message_id(session, settings, message_id)
        if ticket is not None and ticket.id not in seen_tickets:
            seen_tickets.add(ticket.id)
            yield ticket


def _ticket_for_message_id(session: Session, settings: Settings, message_id: str) -> Ticket | None:
    root = ROOT_ID.match(message_id)
    if root and root.group(2).lower() == settings.domain:
        return session.scalars(select(Ticket).where(Ticket.reference == root.group(1).upper())).first()
    ticket_id = session.scalars(
        select(OutboundMail.ticket_id).where(OutboundMail.message_id_header == message_id).limit(1)
    ).first()
    if ticket_id is None:  # a message's own id, or a personal id whose HMAC is wrong (copied, edited)
        ticket_id = session.scalars(
            select(Message.ticket_id).where(Message.our_message_id == (shared_id(message_id) or message_id)).limit(1)
        ).first()
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def _ticket_by_subject_tag(session: Session, subject: str) -> Ticket | None:
    found = SUBJECT_TAG.search(subject or "")
    if found is None:
        return None
    return session.scalars(select(Ticket).where(Ticket.reference == found.group(1).upper())).first()


def _participant(ticket: Ticket, sender: str) -> Participant | None:
    """The active participant writing from ``sender`` (one who left the ticket no longer speaks in it)."""
    sender = sender.lower()
    return next((p for p in ticket.participants if p.email == sender and p.active), None)
