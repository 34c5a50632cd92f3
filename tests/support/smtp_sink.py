"""A real SMTP server standing for the relay host: it keeps what it receives.

It can also refuse mail on demand (temporarily or permanently) so delivery
retries and failures are exercised over a real socket.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    arrived: float = 0.0  # time.monotonic() when the sink took it

    @property
    def message(self) -> EmailMessage:
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class SinkHandler:
    """aiosmtpd handler: store every mail, or answer ``refuse_with`` instead."""

    received: list[Received] = field(default_factory=list)
    refuse_with: str | None = None  # e.g. "451 4.3.0 try later" or "550 5.1.1 no such user"
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_with:
            self.refused += 1
            return self.refuse_with
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content,
                                          time.monotonic()))
        return "250 2.0.0 OK"


class SmtpSink:
    """A started aiosmtpd Controller plus helpers to wait for mail."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, **controller_kwargs) -> None:
        self.handler = SinkHandler()
        self.host = host
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname=host, port=self.port, **controller_kwargs)

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        address = address.lower()
        return [r for r in self.received if address in (a.lower() for a in r.rcpt_tos)]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """Wait until at least ``count`` mails arrived; fail loudly otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            received = self.received
            if len(received) >= count:
                return received
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mails at the sink, got {len(self.received)}")
