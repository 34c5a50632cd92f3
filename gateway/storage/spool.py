"""The durable inbound queue: every received mail, raw, before anything else.

``enqueue`` commits the raw bytes and the envelope; only then may a receiver
acknowledge (SMTP 250, ``aplus ingest`` exit 0, IMAP move). Processing claims a
row with a *lease*: ``attempts`` goes up and the row is hidden until
``next_attempt_at``. If the processor dies, the lease runs out and the mail is
processed again; a mail that keeps killing its processor is quarantined once
it has used its attempts, like Mailman's shunt queue.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, defer

from gateway.storage.db import Database, claim
from gateway.models import InboundMail, utcnow


@dataclass(frozen=True)
class Lease:
    """What a processor holds while it works on one spooled mail."""

    inbound_id: int
    attempts: int
    raw: bytes = field(default=b"", repr=False)
    mail_from: str = ""  # the envelope, for authentication before the processing transaction
    peer: str = ""


@dataclass(frozen=True)
class Arrival:
    """One received mail and its envelope, as a receiver hands it to the spool."""

    raw: bytes = field(repr=False)
    mail_from: str = ""
    rcpt_tos: tuple[str, ...] = ()
    source: str = "smtp"
    peer: str = ""


def enqueue(
    database: Database,
    raw: bytes,
    *,
    mail_from: str = "",
    rcpt_tos: list[str] | tuple[str, ...] = (),
    source: str = "smtp",
    peer: str = "",
) -> int:
    """Commit one received mail and return its spool id. Raises when the database is down."""
    return enqueue_many(database, [Arrival(raw, mail_from or "", tuple(rcpt_tos), source, peer)])[0]


def enqueue_many(database: Database, arrivals: list[Arrival]) -> list[int]:
    """Commit several received mails in one durable transaction; their ids, in order.

    One commit (one log sync) for all the mails that arrived together is what
    lets the receiver keep up with concurrent senders (see ``SpoolWriter``).
    One multi-row INSERT ... RETURNING (ids in the order of ``arrivals``),
    without the ORM's unit of work: this is the path the senders are waiting on.
    """
    with database.transaction(durable=True) as connection:
        return insert_arrivals(connection, arrivals)


def insert_arrivals(connection, arrivals: list[Arrival]) -> list[int]:
    """The INSERT of ``enqueue_many`` inside the caller's transaction (the IMAP poller adds its own rows to it)."""
    now = utcnow()
    rows = [
        {
            "raw": arrival.raw,
            "sha256": hashlib.sha256(arrival.raw).hexdigest(),
            "size": len(arrival.raw),
            "mail_from": arrival.mail_from,
            "rcpt_tos": "\n".join(arrival.rcpt_tos),
            "source": arrival.source,
            "peer": arrival.peer,
            "received_at": now,
            "next_attempt_at": now,
            "state": "queued",
            "attempts": 0,
            "error": "",
            "outcome": "",
        }
        for arrival in arrivals
    ]
    statement = insert(InboundMail).returning(InboundMail.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, rows).scalars())


def claim_next(database: Database, *, lease_seconds: float, now: datetime | None = None) -> Lease | None:
    """Take the oldest due mail for this worker, or None when there is nothing to do.

    One statement: ``UPDATE … WHERE id = (SELECT … LIMIT 1 [FOR UPDATE SKIP
    LOCKED]) RETURNING …``, the same shape as the outbox's lease.
    """
    now = now or utcnow()
    due = (
        select(InboundMail.id)
        .where(InboundMail.state == "queued", InboundMail.next_attempt_at <= now)
        .order_by(InboundMail.next_attempt_at, InboundMail.id)
        .limit(1)
    )
    lease = (
        update(InboundMail)
        .where(InboundMail.id.in_(claim(due, database).scalar_subquery()))
        .values(attempts=InboundMail.attempts + 1, next_attempt_at=now + timedelta(seconds=lease_seconds))
        .returning(InboundMail.id, InboundMail.attempts, InboundMail.raw, InboundMail.mail_from, InboundMail.peer)
    )
    with database.transaction() as connection:
        row = connection.execute(lease).first()
    return Lease(*row) if row is not None else None


def load(session: Session, lease: Lease) -> InboundMail:
    """The spool row for processing, without its raw bytes: the lease already carries them."""
    return session.get_one(InboundMail, lease.inbound_id, options=[defer(InboundMail.raw)])


def finish(session: Session, lease: Lease, *, state: str, outcome: str, error: str = "", ticket_id: int | None = None) -> bool:
    """Close the lease in the processing transaction.

    The update only matches while the lease is still ours (same attempt
    number, still queued): when another worker took the mail after our lease
    ran out, it returns False and the caller rolls back, so effects are never
    applied twice.
    """
    session.flush()  # the effects first, so a failing insert is never recorded as done
    result = session.connection().execute(  # plain SQL: the ORM's bulk-update machinery cost 1 ms here
        update(InboundMail)
        .where(
            InboundMail.id == lease.inbound_id,
            InboundMail.attempts == lease.attempts,
            InboundMail.state == "queued",
        )
        .values(state=state, outcome=outcome[:200], error=error, ticket_id=ticket_id, processed_at=utcnow())
    )
    return result.rowcount == 1


def record_failure(database: Database, lease: Lease, error: str, *, retry_in: float | None) -> str:
    """After a failed attempt: retry later, or quarantine when attempts are used up."""
    with database.begin() as session:
        row = session.get_one(InboundMail, lease.inbound_id)
        if row.state != "queued" or row.attempts != lease.attempts:
            return row.state
        row.error = error[:4000]
        if retry_in is None:
            row.state = "quarantined"
            row.outcome = "quarantined after errors"
            row.processed_at = utcnow()
        else:
            row.next_attempt_at = utcnow() + timedelta(seconds=retry_in)
        return row.state


def requeue(database: Database, inbound_id: int) -> None:
    """Put a quarantined mail back in the queue (after a fix, from the CLI or admin)."""
    with database.begin() as session:
        row = session.get_one(InboundMail, inbound_id)
        row.state = "queued"
        row.attempts = 0
        row.error = ""
        row.next_attempt_at = utcnow()


def release(database: Database, lease: Lease) -> bool:
    """Give a mail back untouched (its processor is stopping): due now, the attempt not counted."""
    statement = (
        update(InboundMail)
        .where(InboundMail.id == lease.inbound_id, InboundMail.attempts == lease.attempts, InboundMail.state == "queued")
        .values(attempts=InboundMail.attempts - 1, next_attempt_at=utcnow())
    )
    with database.transaction() as connection:
        return connection.execute(statement).rowcount == 1
