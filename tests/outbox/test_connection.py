"""RelayTransport's connection: reused across a batch, reopened when the relay dropped it."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from aiosmtpd.controller import Controller

from gateway.config import Settings
from gateway.doorbell import Doorbell
from gateway.outbound.outbox import run_delivery_loop
from gateway.outbound.transports import RelayTransport, smtp_line_endings
from tests.outbox.conftest import mail_bytes, queue_mail
from tests.support.smtp_sink import SinkHandler, SmtpSink, free_port


@dataclass
class CountingHandler(SinkHandler):
    """The sink's handler, also counting SMTP sessions (one EHLO each)."""

    sessions: int = 0
    quits: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_QUIT(self, server, session, envelope):
        self.quits += 1
        return "221 Bye"


def test_a_batch_shares_one_connection():
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings = Settings(relay_host="127.0.0.1", relay_port=controller.port)
        transport = RelayTransport(settings)
        for n in range(3):
            transport.send("aplus+bounce-1-0000000000000000@aplus.localhost", f"agent{n}@caf.example", mail_bytes(f"agent{n}@caf.example"))
        transport.close()
    finally:
        controller.stop()
    assert len(handler.received) == 3
    assert handler.sessions == 1


def test_a_connection_closed_by_the_relay_while_idle_is_reopened():
    sink = SmtpSink(timeout=0.2).start()  # the relay hangs up after 0.2 s of silence
    try:
        settings = Settings(relay_host=sink.host, relay_port=sink.port)
        transport = RelayTransport(settings)
        transport.send("aplus+bounce-1-0000000000000000@aplus.localhost", "a@caf.example", mail_bytes("a@caf.example"))
        time.sleep(0.6)  # let the relay close the idle connection (not an assertion on time)
        transport.send("aplus+bounce-2-0000000000000000@aplus.localhost", "b@caf.example", mail_bytes("b@caf.example"))
        transport.close()
        received = sink.wait_for(2)
    finally:
        sink.stop()
    assert [r.rcpt_tos for r in received] == [["a@caf.example"], ["b@caf.example"]]


def test_smtp_line_endings():
    assert smtp_line_endings(b"a\nb\r\nc\rd") == b"a\r\nb\r\nc\r\nd\r\n"
    assert smtp_line_endings(b"a\r\n") == b"a\r\n"


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_delivery_loop_keeps_the_connection_across_batches_and_closes_it_when_idle(database, settings):
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = replace(settings, delivery="relay", relay_host="127.0.0.1", relay_port=controller.port, poll_interval=30.0)
    for n in range(45):  # three batches of at most 20
        queue_mail(database, f"agent{n}@caf.example")
    stop, doorbell = threading.Event(), Doorbell()
    worker = threading.Thread(target=run_delivery_loop, args=(database, settings, RelayTransport(settings), stop),
                              kwargs={"doorbell": doorbell}, daemon=True)
    worker.start()
    try:
        assert wait_until(lambda: len(handler.received) == 45)
        assert wait_until(lambda: handler.quits == 1)  # the queue is empty: the connection is closed
        assert handler.sessions == 1

        queue_mail(database, "later@caf.example")
        doorbell.ring()
        assert wait_until(lambda: len(handler.received) == 46)
        assert wait_until(lambda: handler.quits == 2)
        assert handler.sessions == 2  # a new connection for new work after the idle close
    finally:
        stop.set()
        doorbell.ring()
        worker.join(timeout=10)
        controller.stop()
    assert not worker.is_alive()
