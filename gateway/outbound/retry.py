"""A person's "retry now" on an outbound mail (the admin's outbox page, ``aplus outbox retry``).

Kept apart from the delivery worker: the worker never changes a row it does
not hold, this changes only rows no worker holds. A queued mail that never
failed is either due already or leased to a worker that is sending it, and the
two look alike in the table, so it is refused: making a leased row due would
let a second worker send it too. A deferred mail (queued, with an error) and a
failed one become due now; a failed mail past its retry window
(``retry_for_seconds`` after creation) gets this one attempt and, if the relay
answers with a temporary failure again, is failed again at once.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from gateway.models import OutboundMail, audit, utcnow

STATE_LABELS = {"queued": "en file", "sent": "envoyé", "failed": "en échec"}


class RetryError(Exception):
    """The mail cannot be retried now; the message is French and says why."""


def retry_now(session: Session, outbound_id: int, *, actor: str, client_address: str = "") -> OutboundMail:
    """Make a deferred or failed outbound mail due now; audited."""
    row = session.get(OutboundMail, outbound_id, with_for_update=True)
    if row is None:
        raise RetryError(f"Aucun message sortant n° {outbound_id}.")
    if row.state == "sent":
        raise RetryError(f"Le message sortant {outbound_id} a déjà été envoyé.")
    if row.state == "queued" and not row.last_error:
        raise RetryError(f"Le message sortant {outbound_id} est déjà en cours d'envoi.")
    previous = row.state
    row.state = "queued"
    row.next_attempt_at = utcnow()
    audit(session, "outbox.retry", ticket_id=row.ticket_id, actor=actor, outbound=row.id,
          client_address=client_address, previous_state=previous, last_error=row.last_error, recipient=row.recipient)
    return row


def label(state: str) -> str:
    """The state of an outbound mail, in French."""
    return STATE_LABELS.get(state, state)
