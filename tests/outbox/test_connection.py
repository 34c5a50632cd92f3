"""RelayTransport's connection: reused across a batch, reopened when the relay dropped it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from gateway.config import Settings
from gateway.transports import RelayTransport, smtp_line_endings
from tests.outbox.conftest import mail_bytes
from tests.support.smtp_sink import SinkHandler, SmtpSink, free_port


@dataclass
class CountingHandler(SinkHandler):
    """The sink's handler, also counting SMTP sessions (one EHLO each)."""

    sessions: int = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.sessions += 1
        session.host_name = hostname
        return responses


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
