"""Notices about a ticket's life (taken, closed, invited, late...), through the outbox.

Each notice is first a system ``Message`` on the ticket, so the history
shows what happened in the order it happened; its Message-ID threads the
mails, and its id names them in the outbox's ``dedup_key`` (one mail per
recipient per event, even when a transaction is retried).
"""

from __future__ import annotations

from typing import Callable, Iterable

from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Message, Participant, Ticket
from gateway.outbound import fanout


def record_event(session: Session, settings: Settings, ticket: Ticket, text: str, *, internal: bool = False,
                 author: Participant | None = None) -> Message:
    """A line in the ticket's history (kind "system"), flushed so its id can name mails."""
    message = Message(
        author=author, visibility="internal" if internal else "public", kind="system", source="system",
        text=text, trimmed=text, our_message_id=fanout.new_message_id(settings, ticket, "e"),
    )
    ticket.messages.append(message)
    session.flush()
    return message


def notify(
    session: Session, settings: Settings, ticket: Ticket, event: Message, recipients: Iterable[Participant], *,
    template: str = "event", context: dict | Callable[[Participant], dict], author_label: str = "",
    automatic: bool = True,
) -> int:
    """One mail per recipient about ``event``; ``context`` may depend on the recipient."""
    references = fanout.thread_references(settings, ticket, event)
    count = 0
    for recipient in recipients:
        if not recipient.active:
            continue
        values = context(recipient) if callable(context) else context
        values = {"lines": [], "quoted": "", **values}
        raw = fanout.build_mail(
            settings, ticket=ticket, recipient=recipient, template=template, context=values,
            author_label=author_label, message_id=event.our_message_id, references=references,
            automatic=automatic, reply=True,
        )
        fanout.queue(session, raw, message_id=event.our_message_id, ticket=ticket, recipient=recipient,
                     dedup_key=f"event:{event.id}:{recipient.email}")
        count += 1
    return count


def active_agents(ticket: Ticket) -> list[Participant]:
    return [p for p in ticket.participants if p.is_agent and p.active]


def people(ticket: Ticket) -> list[Participant]:
    """The requester and the aidant: those who never see internal notes."""
    return [p for p in ticket.participants if not p.is_agent and p.active]
