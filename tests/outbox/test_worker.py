"""The worker around deliver_due: its loop, its statistics, its lease, its backoff."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

from gateway.config import Settings
from gateway.models import utcnow
from gateway.outbound.outbox import (
    JITTER, DeliveryReport, claim_next, deliver_due, lease_seconds, queue_stats, record, retry_delay, run_delivery_loop,
)
from gateway.outbound.transports import RelayTransport
from tests.outbox.conftest import outbox_row, queue_mail


def test_run_delivery_loop_delivers_until_stopped(database, relay_settings, sink):
    ids = [queue_mail(database, f"agent{n}@caf.example") for n in range(3)]
    stop = threading.Event()
    worker = threading.Thread(target=run_delivery_loop, args=(database, relay_settings, RelayTransport(relay_settings), stop))
    worker.start()
    try:
        sink.wait_for(3)
        late = queue_mail(database, "retardataire@caf.example")  # queued while the loop polls
        sink.wait_for(4)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert {outbox_row(database, i).state for i in [*ids, late]} == {"sent"}


def test_queue_stats_counts_every_state(database, relay_settings, sink):
    with database.begin() as session:
        assert queue_stats(session) == {"queued": 0, "sent": 0, "failed": 0}
    for _ in range(3):
        queue_mail(database)
    queue_mail(database, state="failed")
    deliver_due(database, relay_settings, RelayTransport(relay_settings), batch=2)
    with database.begin() as session:
        assert queue_stats(session) == {"queued": 1, "sent": 2, "failed": 1}


def test_a_claimed_mail_is_leased_and_comes_back_when_the_lease_expires(database, relay_settings, sink):
    """A worker that dies between claim and record does not lose the mail."""
    outbox_id = queue_mail(database)
    now = utcnow()

    claimed = claim_next(database, relay_settings, now)  # ... and the worker dies here
    assert claimed.id == outbox_id and claimed.attempts == 1

    lease_end = now + timedelta(seconds=lease_seconds(relay_settings))
    assert deliver_due(database, relay_settings, RelayTransport(relay_settings), now=lease_end - timedelta(seconds=1)).attempted == 0
    report = deliver_due(database, relay_settings, RelayTransport(relay_settings), now=lease_end)
    assert report.sent == [outbox_id]
    assert outbox_row(database, outbox_id).attempts == 2
    assert len(sink.wait_for(1)) == 1


def test_a_worker_whose_lease_was_taken_over_does_not_overwrite_the_outcome(database, relay_settings, sink):
    outbox_id = queue_mail(database)
    now = utcnow()
    slow = claim_next(database, relay_settings, now)  # this worker will be too slow
    later = now + timedelta(seconds=lease_seconds(relay_settings))
    sink.handler.refuse_with = "550 5.1.1 Utilisateur inconnu"
    assert deliver_due(database, relay_settings, RelayTransport(relay_settings), now=later).failed == [outbox_id]

    report = DeliveryReport()
    record(database, relay_settings, slow, None, later, report)  # "sent", but too late
    assert report.lost == [outbox_id]
    assert outbox_row(database, outbox_id).state == "failed"


def test_retry_delay_doubles_from_the_base_up_to_the_cap():
    settings = Settings(retry_base_seconds=60, retry_max_seconds=3600)
    rng = random.Random(7)
    for previous, expected in [(0, 60), (1, 120), (2, 240), (5, 1920), (6, 3600), (40, 3600), (10_000, 3600)]:
        delay = retry_delay(previous, settings, rng)
        assert expected * (1 - JITTER) <= delay <= expected
    delays = {retry_delay(3, settings, rng) for _ in range(20)}
    assert len(delays) > 1  # jittered: mail deferred together does not come back together
