"""What an administrator does with a mail held "à vérifier": release it or reject it.

Held mail (state ``review``, see ``holding``) keeps its raw bytes; nothing was
relayed nor answered. ``release_held`` processes it again as if its sender
were authenticated (and its guessable thread clue good), in the caller's
session, exactly as the processor would have; ``reject_held`` sets it aside
(state ``discarded``, "écarté", as the admin's other mail-flow actions do; the
raw mail is kept). Both are audited with who
decided. The caller commits (``with database.begin() as session:``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import InboundMail, audit, utcnow
from gateway.processing.conversation import handle
from gateway.processing.outcomes import Outcome
from gateway.processing.spool_actions import DISCARDED, SpoolActionError
from gateway.understand import read_mail


class NotHeld(SpoolActionError):
    """The mail is not (or no longer) waiting for review; the message is French."""


def held_mail(session: Session, inbound_id: int) -> InboundMail:
    row = session.get(InboundMail, inbound_id, with_for_update=True)
    if row is None:
        raise NotHeld(f"Aucun message n° {inbound_id}.")
    if row.state != "review":
        raise NotHeld(f"Le message n° {inbound_id} n'est pas en attente de vérification (état : {row.state}).")
    return row


def release_held(session: Session, settings: Settings, inbound_id: int, *, actor: str) -> Outcome:
    """Process a held mail as if authenticated; returns what processing did."""
    row = held_mail(session, inbound_id)
    reason = row.error
    mail = read_mail(row.raw, own_domain=settings.domain)
    outcome = handle(session, settings, row, mail, trusted=True)
    row.state, row.outcome, row.error = outcome.state, outcome.summary[:200], outcome.reason
    row.ticket_id, row.processed_at = outcome.ticket_id, utcnow()
    audit(session, "review.released", ticket_id=outcome.ticket_id, actor=actor, inbound_id=row.id,
          held_because=reason, outcome=outcome.summary)
    return outcome


def reject_held(session: Session, settings: Settings, inbound_id: int, *, actor: str, reason: str) -> None:
    """Refuse a held mail for good: never relayed, kept as received, the decision recorded."""
    row = held_mail(session, inbound_id)
    held_because = row.error
    row.state, row.outcome, row.processed_at = DISCARDED, f"rejected after review by {actor}"[:200], utcnow()
    row.error = f"Refusé après vérification par {actor} : {reason.strip() or 'sans motif indiqué'}."
    audit(session, "review.rejected", ticket_id=row.ticket_id, actor=actor, inbound_id=row.id,
          held_because=held_because, reason=reason)
