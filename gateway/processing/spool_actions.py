"""What a person may do with a spooled mail: reprocess it, release it as a new ticket, discard it.

The admin's mail-flow pages and ``aplus spool`` call these functions; each
runs in the caller's unit of work and writes one audit event (who, from which
address, what), so the same action has the same trace whichever way it was
done. A mistake (unknown mail, wrong state, missing reason) raises
``SpoolActionError`` with a French sentence for the person.

Nothing here deletes a mail: a discarded mail keeps its raw bytes (state
``discarded``) until the retention purge removes them, so a wrong discard can
be undone by reprocessing it.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import InboundMail, Ticket, audit, utcnow
from gateway.processing.conversation import open_ticket
from gateway.understand import read_mail
from gateway.understand.model import Address

#: State of a mail a person decided not to process; not in ``INBOUND_STATES``' processing cycle.
DISCARDED = "discarded"
REPROCESSABLE = ("queued", "quarantined", DISCARDED)
RELEASABLE = ("quarantined",)
DISCARDABLE = ("queued", "quarantined")
STATE_LABELS = {
    "queued": "en file",
    "done": "traité",
    "quarantined": "en quarantaine",
    "review": "à vérifier",
    DISCARDED: "écarté",  # also a held mail refused after review (gateway.processing.review)
}


class SpoolActionError(Exception):
    """A person's action cannot be done; the message is French and says why."""


def reprocess(session: Session, inbound_id: int, *, actor: str, client_address: str = "") -> InboundMail:
    """Put the mail back in the queue, due now, with a fresh count of attempts.

    For a quarantined mail after a fix (directory, settings, code), or a
    discarded one after a wrong discard. Processing is idempotent, so a mail
    that did make its ticket is recognised as a duplicate.
    """
    inbound = _locked(session, inbound_id)
    if inbound.state not in REPROCESSABLE:
        raise SpoolActionError(
            f"Le message {inbound_id} est {label(inbound.state)} : seul un message en file, en quarantaine "
            "ou écarté peut être retraité."
        )
    previous, reason = inbound.state, inbound.error
    inbound.state = "queued"
    inbound.attempts = 0
    inbound.next_attempt_at = utcnow()
    inbound.processed_at = None
    audit(session, "spool.reprocess", ticket_id=inbound.ticket_id, actor=actor, inbound=inbound.id,
          client_address=client_address, previous_state=previous, previous_reason=reason)
    return inbound


def release_as_ticket(
    session: Session, settings: Settings, inbound_id: int, *, actor: str, client_address: str = "",
) -> Ticket:
    """Open a new ticket from a quarantined mail, as if it were a new request.

    What quarantined it (a bulk-mail verdict, a reply nobody could attribute,
    the sender's hourly limit) is the person's to overrule: thread matching
    and the sender limit are skipped, the rest (routing, acknowledgement,
    agents' notifications through the outbox) is the processor's own
    ``open_ticket``, in this unit of work.
    """
    inbound = _locked(session, inbound_id)
    if inbound.state not in RELEASABLE:
        raise SpoolActionError(
            f"Le message {inbound_id} est {label(inbound.state)} : seul un message en quarantaine peut être "
            "libéré en nouveau dossier."
        )
    mail = read_mail(inbound.raw, own_domain=settings.domain)
    if mail.sender is None and "@" in inbound.mail_from:  # as the processor does: the envelope says who
        mail.sender = Address(inbound.mail_from.strip("<>").lower())
    unlimited = replace(settings, sender_hourly_limit=2**31)  # a person's decision is not a flood
    outcome = open_ticket(session, unlimited, inbound, mail)
    if outcome.state != "done" or outcome.ticket_id is None:
        raise SpoolActionError(f"Le message {inbound_id} ne peut pas ouvrir de dossier : {outcome.reason}")
    ticket = session.get_one(Ticket, outcome.ticket_id)
    previous_reason = inbound.error
    inbound.state = "done"
    inbound.ticket_id = ticket.id
    inbound.outcome = f"released as ticket {ticket.reference} by {actor}"[:200]
    inbound.processed_at = utcnow()
    audit(session, "spool.release", ticket_id=ticket.id, actor=actor, inbound=inbound.id,
          client_address=client_address, previous_reason=previous_reason, reference=ticket.reference)
    return ticket


def discard(
    session: Session, inbound_id: int, *, actor: str, reason: str, client_address: str = "",
) -> InboundMail:
    """Decide not to process a mail; the reason goes to the audit log, the raw bytes stay."""
    reason = " ".join(reason.split())
    if not reason:
        raise SpoolActionError("Indiquez pourquoi ce message est écarté : la raison est gardée au journal.")
    inbound = _locked(session, inbound_id)
    if inbound.state not in DISCARDABLE:
        raise SpoolActionError(
            f"Le message {inbound_id} est {label(inbound.state)} : seul un message en file ou en quarantaine "
            "peut être écarté."
        )
    previous, previous_reason = inbound.state, inbound.error
    inbound.state = DISCARDED
    inbound.outcome = f"discarded by {actor}"[:200]
    inbound.processed_at = utcnow()
    audit(session, "spool.discard", ticket_id=inbound.ticket_id, actor=actor, inbound=inbound.id,
          client_address=client_address, reason=reason[:2000], previous_state=previous, previous_reason=previous_reason)
    return inbound


def label(state: str) -> str:
    """The state of a spooled mail, in French."""
    return STATE_LABELS.get(state, state)


def _locked(session: Session, inbound_id: int) -> InboundMail:
    """The row, locked for this unit of work (PostgreSQL), so two people cannot act on it at once."""
    inbound = session.get(InboundMail, inbound_id, with_for_update=True)
    if inbound is None:
        raise SpoolActionError(f"Aucun message n° {inbound_id} dans la file d'entrée.")
    return inbound
