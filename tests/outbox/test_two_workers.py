"""Two delivery workers on one queue: every mail reaches the relay exactly once."""

from __future__ import annotations

import threading
from collections import Counter
from email import message_from_bytes, policy

import pytest

from gateway.storage.db import Database
from gateway.models import OutboundMail
from gateway.outbound.outbox import queue_stats, run_delivery_loop
from gateway.outbound.transports import RelayTransport
from tests.outbox.conftest import mail_bytes

MAILS = 200


class FirstSendsMeet:
    """A relay transport whose first send waits for the other worker's first send.

    This makes the test prove that both workers really hold a mail at the
    same moment (no lock serialises them), without timing anything.
    """

    def __init__(self, inner: RelayTransport, barrier: threading.Barrier) -> None:
        self.inner = inner
        self.barrier = barrier
        self.sent = 0

    def send(self, envelope_from: str, recipient: str, raw: bytes) -> None:
        if self.sent == 0:
            self.barrier.wait(timeout=30)
        self.inner.send(envelope_from, recipient, raw)
        self.sent += 1

    def close(self) -> None:
        self.inner.close()


@pytest.mark.slow
def test_two_workers_deliver_every_mail_exactly_once(database, relay_settings, sink):
    """On PostgreSQL (SKIP LOCKED) and on SQLite (one writer): no mail twice, none lost."""
    message_ids = []
    with database.begin() as session:
        for n in range(MAILS):
            message = message_from_bytes(mail_bytes(f"agent{n}@cpam.example"), policy=policy.SMTP)
            message_ids.append(message["Message-ID"])
            session.add(OutboundMail(dedup_key=f"two-workers-{n}", recipient=f"agent{n}@cpam.example", raw=message.as_bytes()))

    barrier = threading.Barrier(2)
    stop = threading.Event()
    workers, transports, databases = [], [], []
    for name in ("worker-a", "worker-b"):
        own_database = Database.connect(relay_settings.database_url)  # its own engine and connections
        transport = FirstSendsMeet(RelayTransport(relay_settings), barrier)
        databases.append(own_database)
        transports.append(transport)
        workers.append(threading.Thread(target=run_delivery_loop, args=(own_database, relay_settings, transport, stop), name=name))
    for worker in workers:
        worker.start()
    try:
        sink.wait_for(MAILS, timeout=60)
        while True:
            with database.begin() as session:
                if queue_stats(session)["queued"] == 0:
                    break
            stop.wait(0.05)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
        for own_database in databases:
            own_database.dispose()

    per_message = Counter(received.message["Message-ID"] for received in sink.received)
    assert set(per_message) == set(message_ids)
    assert set(per_message.values()) == {1}
    assert all(transport.sent > 0 for transport in transports)
    assert sum(transport.sent for transport in transports) == MAILS
    with database.begin() as session:
        assert queue_stats(session) == {"queued": 0, "sent": MAILS, "failed": 0}
