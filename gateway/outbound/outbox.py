"""The delivery worker: hand every queued outbound mail to the transport, once.

A batch of mails goes through three short steps, each its own transaction or none:

1. **claim** (transaction): take the oldest due rows, ``state = 'queued'`` and
   ``next_attempt_at <= now``, with ``gateway.storage.db.claim`` (``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, the single-writer ``BEGIN IMMEDIATE`` on SQLite),
   count the attempt and push ``next_attempt_at`` forward by a *lease*;
2. **send** (no transaction): SMTP to the relay, or a file in capture mode;
3. **record** (one short transaction per mail, right after its SMTP
   transaction ends): sent, retry later, or failed — only if the row is
   still ours (same ``attempts`` value, still queued).

Why each outcome is recorded at once rather than once per batch: a batch
recorded together was cheaper on SQLite's single write turn, but a crash
(``kill -9``, OOM) between the relay's 250 and the batch's record sent every
mail of the batch again once the lease expired (17 of 2,505 mails doubled
after three kills, issue 10). Recorded per mail, a crash doubles at most the
one mail in flight per worker (``benchmarks/kill_run.py``).

Why a lease rather than holding the row lock during the send: on SQLite any
write lock is the whole database's, so holding it while a relay takes up to
``relay_timeout`` to answer would stall the SMTP receiver, which must commit
each mail before answering 250. With the lease, no database lock outlives a
few milliseconds on either backend, no connection sits idle in a transaction
while SMTP talks, and one mechanism is tested on both backends. The lease is
``next_attempt_at`` itself (no extra column, no extra state): a worker that
dies mid-send leaves a row that simply becomes due again when the lease
expires, with no recovery sweep. The costs, accepted: such a mail waits for
the lease (``lease_seconds``, ten relay timeouts, five minutes by default)
instead of being retried at once; and a send that outlasts its lease could be
repeated by another worker — the lease is far longer than smtplib's bounded
exchanges, and ``record`` never overwrites the outcome of a worker that took
over. As with any SMTP client, a crash after the relay's 250 and before the
record commits sends the mail again: delivery is at least once, and exactly
once otherwise.

Backoff: the n-th retry waits ``retry_base_seconds * 2**(n-1)``, capped at
``retry_max_seconds``, minus up to a fifth at random so that mail deferred
together does not hit the relay together again. Temporary failures are
retried until ``retry_for_seconds`` after ``created_at`` (the last retry is
scheduled at that deadline), then the mail is failed; a 5xx refusal fails it
at once with the relay's answer in ``last_error``.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from gateway.authentication import dkim_signing
from gateway.config import Settings
from gateway.storage.db import Database, claim
from gateway.doorbell import BurstGate, Doorbell, idle
from gateway.models import OutboundMail, utcnow
from gateway.models.mail import OUTBOUND_STATES
from gateway.outbound.transports import DeliveryError, PermanentFailure, TemporaryFailure, Transport
from gateway.understand.verp import make_verp

log = logging.getLogger(__name__)

#: A lease lasts this many relay timeouts (smtplib bounds each exchange by one).
LEASE_TIMEOUTS = 10
#: Shortest lease, whatever the relay timeout.
MIN_LEASE_SECONDS = 60.0
#: Up to this fraction of a backoff delay is removed at random.
JITTER = 0.2

_random = random.Random()


@dataclass
class DeliveryReport:
    """What one ``deliver_due`` call did, by outbox id."""

    sent: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)  # temporary failure, retried later
    failed: list[int] = field(default_factory=list)  # permanent failure or retry window over
    lost: list[int] = field(default_factory=list)  # lease expired and another worker took over

    @property
    def attempted(self) -> int:
        return len(self.sent) + len(self.deferred) + len(self.failed) + len(self.lost)

    def __str__(self) -> str:
        """One line for a person running ``aplus deliver --once``."""
        text = f"envoyés : {len(self.sent)}, reportés : {len(self.deferred)}, en échec : {len(self.failed)}"
        return text + (f", repris par un autre processus : {len(self.lost)}" if self.lost else "")


@dataclass(frozen=True)
class Claimed:
    """A leased outbox row, detached from its session."""

    id: int
    recipient: str
    raw: bytes
    attempts: int  # including this one
    created_at: datetime


def lease_seconds(settings: Settings) -> float:
    return max(MIN_LEASE_SECONDS, LEASE_TIMEOUTS * settings.relay_timeout)


def retry_delay(previous_attempts: int, settings: Settings, rng: random.Random = _random) -> float:
    """Seconds before the next try, ``previous_attempts`` tries having failed before this one."""
    exponent = min(max(previous_attempts, 0), 62)  # 2**62 already exceeds any cap
    delay = min(settings.retry_max_seconds, settings.retry_base_seconds * 2**exponent)
    return delay * (1 - JITTER * rng.random())


def envelope_sender(settings: Settings, outbox_id: int) -> str:
    """The VERP return path that maps a bounce back to this outbox row."""
    return make_verp(settings.local_part, settings.domain, outbox_id, settings.secret)


def deliver_due(
    database: Database,
    settings: Settings,
    transport: Transport,
    *,
    batch: int = 20,
    now: datetime | None = None,
    keep_open: bool = False,
) -> DeliveryReport:
    """Lease up to ``batch`` due mails at once, send them one at a time; return what happened.

    One claim for the batch (one transaction instead of one per mail, which
    measured half the cost of a delivery), then each outcome recorded as
    soon as its SMTP transaction ends (see the module docstring). ``now`` fixes the clock for the
    whole call (tests); by default the real time is read at each step.
    ``keep_open``: leave the relay connection open for the next batch (the
    loop closes it when the queue is empty); otherwise it is closed here.
    """
    clock = _fixed_clock(now) if now is not None else utcnow
    report = DeliveryReport()
    try:
        for mail in claim_due(database, settings, clock(), limit=batch):
            outcome = attempt(transport, settings, mail)
            record(database, settings, mail, outcome, clock(), report)  # at once: a crash resends this mail only
    except BaseException:
        _close(transport)
        raise
    if not keep_open:
        _close(transport)
    return report


def claim_next(database: Database, settings: Settings, now: datetime) -> Claimed | None:
    """Lease the oldest due mail to this worker, or return None."""
    claimed = claim_due(database, settings, now, limit=1)
    return claimed[0] if claimed else None


def claim_due(database: Database, settings: Settings, now: datetime, *, limit: int) -> list[Claimed]:
    """Lease the oldest due mails (at most ``limit``) to this worker, oldest first.

    One statement, one round trip: ``UPDATE … WHERE id IN (SELECT … LIMIT n
    FOR UPDATE SKIP LOCKED) RETURNING …`` on PostgreSQL, the same without the
    lock clause under SQLite's single writer.
    """
    due = (
        select(OutboundMail.id)
        .where(OutboundMail.state == "queued", OutboundMail.next_attempt_at <= now)
        .order_by(OutboundMail.next_attempt_at, OutboundMail.id)
        .limit(limit)
    )
    lease = update(OutboundMail).where(
        OutboundMail.id.in_(claim(due, database).scalar_subquery())
    ).values(
        attempts=OutboundMail.attempts + 1,
        next_attempt_at=now + timedelta(seconds=lease_seconds(settings)),
    ).returning(
        OutboundMail.id, OutboundMail.recipient, OutboundMail.raw, OutboundMail.attempts, OutboundMail.created_at
    )
    with database.transaction() as connection:
        rows = connection.execute(lease).all()
    return sorted((Claimed(*row) for row in rows), key=lambda mail: mail.id)


def attempt(transport: Transport, settings: Settings, mail: Claimed) -> DeliveryError | None:
    """Send one mail; return None when it was handed over, else the failure."""
    try:
        transport.send(envelope_sender(settings, mail.id), mail.recipient, dkim_signing.sign(settings, mail.raw))
    except DeliveryError as failure:
        return failure
    except Exception as error:  # a bug must not stop the batch nor lose the mail
        log.exception("outbound mail %s: unexpected error in the transport", mail.id)
        return TemporaryFailure(f"erreur interne : {error.__class__.__name__}: {error}")
    return None


def record(
    database: Database,
    settings: Settings,
    mail: Claimed,
    outcome: DeliveryError | None,
    now: datetime,
    report: DeliveryReport,
) -> None:
    """Store one outcome, unless another worker took the row over meanwhile."""
    record_all(database, settings, [(mail, outcome, now)], report)


def record_all(
    database: Database,
    settings: Settings,
    outcomes: list[tuple[Claimed, DeliveryError | None, datetime]],
    report: DeliveryReport,
) -> None:
    """Store the outcomes of a batch in one transaction; a row taken over by another worker is left alone."""
    if not outcomes:
        return
    applied: list[tuple[Claimed, DeliveryError | None, list[int] | None]] = []
    with database.transaction() as connection:
        for mail, outcome, now in outcomes:
            values, bucket = _outcome_values(settings, mail, outcome, now, report)
            result = connection.execute(
                update(OutboundMail)
                .where(
                    OutboundMail.id == mail.id,
                    OutboundMail.state == "queued",
                    OutboundMail.attempts == mail.attempts,
                )
                .values(**values)
            )
            applied.append((mail, outcome, bucket if result.rowcount == 1 else None))
    for mail, outcome, bucket in applied:  # reported once committed
        if bucket is None:
            log.warning("outbound mail %s: lease lost during the send, outcome left to the other worker", mail.id)
            report.lost.append(mail.id)
            continue
        bucket.append(mail.id)
        if outcome is not None:
            log.log(logging.WARNING if bucket is report.failed else logging.INFO,
                    "outbound mail %s: %s (attempt %s)", mail.id, outcome.answer, mail.attempts)


def _outcome_values(
    settings: Settings,
    mail: Claimed,
    outcome: DeliveryError | None,
    now: datetime,
    report: DeliveryReport,
) -> tuple[dict, list[int]]:
    if outcome is None:
        return {"state": "sent", "sent_at": now, "last_error": ""}, report.sent
    if isinstance(outcome, PermanentFailure):
        return {"state": "failed", "last_error": outcome.answer}, report.failed
    deadline = mail.created_at + timedelta(seconds=settings.retry_for_seconds)
    if now >= deadline:
        hours = settings.retry_for_seconds / 3600
        note = f"{outcome.answer} (abandon après {hours:g} h d'échecs temporaires)"
        return {"state": "failed", "last_error": note}, report.failed
    retry_at = min(now + timedelta(seconds=retry_delay(mail.attempts - 1, settings)), deadline)
    return {"next_attempt_at": retry_at, "last_error": outcome.answer}, report.deferred


def run_delivery_loop(
    database: Database, settings: Settings, transport: Transport, stop: threading.Event, *,
    doorbell: Doorbell | None = None, receiver: Doorbell | None = None,
) -> None:
    """Deliver until ``stop`` is set: drain while there is work, else poll (or wait for the doorbell).

    With ``receiver`` (the SMTP receiver's doorbell, in one process), a burst
    of incoming mail is let through first, as the processor does. An error of
    the database (down, restarting) is logged and retried after the poll
    interval: the worker outlives the outage.

    The relay connection stays open from one batch to the next while there
    is mail to send and is closed when the queue is empty: opening it (TCP,
    EHLO, STARTTLS, AUTH) for each batch doubled the cost of a mail when
    batches are small, as when requests arrive one by one.
    """
    gate = BurstGate(receiver) if receiver is not None else None
    try:
        while not stop.is_set():
            if doorbell is not None:
                doorbell.clear()
            if gate is not None:
                gate.pass_burst()
            try:
                report = deliver_due(database, settings, transport, keep_open=True)
            except Exception:
                log.exception("delivery worker: batch interrupted, retrying in %ss", settings.poll_interval)
                stop.wait(settings.poll_interval)
                continue
            if report.attempted == 0:
                _close(transport)
                idle(stop, doorbell, settings.poll_interval)
    finally:
        _close(transport)


def queue_stats(session: Session) -> dict[str, int]:
    """How many outbound mails are in each state (every state listed, even at 0)."""
    counts = {state: 0 for state in OUTBOUND_STATES}
    rows = session.execute(select(OutboundMail.state, func.count()).group_by(OutboundMail.state))
    for state, count in rows:
        counts[state] = count
    return counts


def _fixed_clock(now: datetime) -> Callable[[], datetime]:
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return lambda: now


def _close(transport: Transport) -> None:
    close = getattr(transport, "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("delivery worker: closing the transport failed")
