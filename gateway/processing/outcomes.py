"""What processing one mail came to: done, quarantined or held for review, with a French reason.

Its own module so that every processing step (conversation, automatic mail,
review) can return one without importing the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.models import Ticket


@dataclass
class Outcome:
    state: str  # "done", "quarantined" or "review" (held "à vérifier", see gateway.processing.review)
    summary: str  # short English log line
    reason: str = ""  # French, for quarantine
    ticket_id: int | None = None


def done(summary: str, ticket: Ticket | None = None) -> Outcome:
    return Outcome("done", summary, ticket_id=ticket.id if ticket else None)


def quarantine(reason: str, summary: str, ticket: Ticket | None = None) -> Outcome:
    return Outcome("quarantined", summary, reason=reason, ticket_id=ticket.id if ticket else None)


def held(reason: str, summary: str, ticket: Ticket | None = None) -> Outcome:
    """Kept "à vérifier": nothing relayed nor answered until someone releases it."""
    return Outcome("review", summary, reason=reason, ticket_id=ticket.id if ticket else None)
