"""The processor: take spooled mail one at a time and apply what it means.

One mail, one transaction: understanding, threading, storing and the fan-out
to the outbox all commit together with the spool row's final state, so a
crash anywhere leaves the mail queued and nothing half-done. See
``gateway.storage.spool`` for the lease that makes a crashed attempt come back.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import configure_mappers

from gateway.outbound import templating

from gateway.processing import routing_step

from gateway.storage import spool
from gateway.config import Settings
from gateway.processing.conversation import classify_if_new_request, handle
from gateway.processing.sender_check import verdict_before_processing
from gateway.storage.db import Database
from gateway.storage.statistics import StatisticsSchedule
from gateway.doorbell import BurstGate, Doorbell, idle
from gateway.processing import failure_reasons
from gateway.processing.sandbox import Budget, Sandbox, Stopped, UnderstandingFailed
from gateway.understand import Understood, read_mail
from routing.directory.snapshot import current_snapshot

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker finished this mail while we were working on it."""


def process_next(database: Database, settings: Settings, *, sandbox: Sandbox | None = None,
                 stop: threading.Event | None = None) -> bool:
    """Process the oldest due mail; False when the spool had nothing due.

    The mail is understood (and, when it looks like a new request,
    classified) before the processing transaction opens: these are the slow
    parts and, on SQLite, the transaction holds the only write turn, which
    the SMTP receiver needs to spool the next mail. With a ``sandbox`` the
    understanding runs in its child process under a time and memory budget;
    when ``stop`` is set meanwhile the mail is given back untouched.
    """
    lease = spool.claim_next(database, lease_seconds=settings.process_lease_seconds)
    if lease is None:
        return False
    if lease.attempts > settings.process_max_attempts:
        spool.record_failure(database, lease, failure_reasons.interrupted(lease.attempts - 1), retry_in=None)
        return True
    try:
        understood = _understand(lease, settings, sandbox, stop)
        ahead = classify_if_new_request(settings, understood)
        verdict = verdict_before_processing(settings, lease.raw, understood, mail_from=lease.mail_from, peer=lease.peer)
        with database.begin() as session:
            inbound = spool.load(session, lease)
            outcome = handle(session, settings, inbound, understood, ahead, verdict=verdict)
            if not spool.finish(session, lease, state=outcome.state, outcome=outcome.summary,
                                error=outcome.reason, ticket_id=outcome.ticket_id):
                raise LeaseLost(lease.inbound_id)
        log.info("inbound %s: %s", lease.inbound_id, outcome.summary)
    except LeaseLost:
        log.warning("inbound %s was finished by another worker; our attempt was rolled back", lease.inbound_id)
    except Stopped:
        log.info("inbound %s given back: the processor is stopping", lease.inbound_id)
        _quietly(spool.release, database, lease)
    except UnderstandingFailed as failure:
        log.warning("inbound %s: %s (attempt %s)", lease.inbound_id, failure.summary, lease.attempts)
        _record_failure(database, settings, lease, failure.reason)
    except Exception as error:
        log.exception("inbound %s failed (attempt %s)", lease.inbound_id, lease.attempts)
        _record_failure(database, settings, lease, failure_reasons.for_exception(error, lease.inbound_id))
    return True


def _understand(lease: spool.Lease, settings: Settings, sandbox: Sandbox | None, stop) -> Understood:
    if sandbox is None:
        return read_mail(lease.raw, own_domain=settings.domain)
    return sandbox.understand(lease.raw, should_stop=stop.is_set if stop is not None else lambda: False)


def _record_failure(database: Database, settings: Settings, lease: spool.Lease, reason: str) -> None:
    """Retry later with backoff, or quarantine with a French reason once attempts are used up."""
    final = lease.attempts >= settings.process_max_attempts
    retry_in = None if final else min(settings.retry_base_seconds * 2 ** (lease.attempts - 1), settings.retry_max_seconds)
    text = failure_reasons.attempt_failed(reason, lease.attempts, settings.process_max_attempts, retry_in)
    _quietly(spool.record_failure, database, lease, text, retry_in=retry_in)


def _quietly(function, *args, **kwargs) -> None:
    try:
        function(*args, **kwargs)
    except Exception:
        log.exception("could not record the attempt; the lease will expire and the mail be retried")


def make_sandbox(settings: Settings) -> Sandbox | None:
    """The understanding child of one processor, or None when settings run it inline."""
    if not settings.understand_isolated:
        return None
    return Sandbox(settings.domain, Budget(settings.understand_timeout_seconds, settings.understand_memory_mb * 1024 * 1024))


def drain(database: Database, settings: Settings, *, limit: int = 10_000, sandbox: Sandbox | None = None) -> int:
    """Process everything due now; returns how many mails were taken."""
    statistics = StatisticsSchedule(database, settings.statistics_every_mails)
    count = 0
    while count < limit and process_next(database, settings, sandbox=sandbox):
        count += 1
        statistics.after_mail()
    return count


WARM_UP_MAIL = (
    b"From: Marie Durand <marie.durand@example.org>\r\nTo: aplus@aplus.localhost\r\n"
    b"Subject: =?utf-8?q?RSA_bloqu=C3=A9?=\r\nMessage-ID: <warm-up@example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nBonjour, mon RSA est bloqu\xc3\xa9 \xc3\xa0 Marseille.\r\n"
)


def warm_up(database: Database, settings: Settings) -> None:
    """Pay now what the first mails would pay inside their transaction.

    Measured: the first requests after ``aplus run`` started took 0.2-0.25 s
    against 0.04 s for the next ones (routing tables, modules imported on
    first use by the reader, templates compiled on first render, the ORM's
    mappers and the directory snapshot). Nothing here writes.
    """
    routing_step.warm_up()
    understood = read_mail(WARM_UP_MAIL, own_domain=settings.domain)
    classify_if_new_request(settings, understood)
    templating.warm_up()
    configure_mappers()
    with database.begin() as session:
        current_snapshot(session)
        routing_step.catalog_with_overrides(session)


def run_processor_loop(
    database: Database, settings: Settings, stop: threading.Event, *,
    doorbell: Doorbell | None = None, delivery: Doorbell | None = None, ready=None,
) -> None:
    """Process until ``stop`` is set; ring ``delivery`` after each mail so replies leave at once.

    ``ready`` (an event) is set once warmed up, so ``aplus run`` announces itself only then.
    """
    warm_up(database, settings)
    sandbox = make_sandbox(settings)  # forked once warm: the child starts with everything loaded
    if sandbox is not None:
        sandbox.start()
    statistics = StatisticsSchedule(database, settings.statistics_every_mails)
    statistics.now()
    if ready is not None:
        ready.set()
    gate = BurstGate(doorbell) if doorbell is not None else None
    try:
        while not stop.is_set():
            if doorbell is not None:
                doorbell.clear()
                gate.pass_burst()
            try:
                worked = process_next(database, settings, sandbox=sandbox, stop=stop)
            except Exception:
                log.exception("processor could not reach the database; retrying")
                worked = False
            if worked and delivery is not None:
                delivery.ring()
            if worked:
                statistics.after_mail()
            if not worked:
                idle(stop, doorbell, settings.poll_interval)
    finally:
        if sandbox is not None:
            sandbox.close()
