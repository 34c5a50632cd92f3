"""A real Dovecot per test, and settings pointing the gateway's poller at it."""

from __future__ import annotations

import time
from dataclasses import replace
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.inbound.imap import MailboxPoller
from gateway.inbound.imap_config import mailboxes_from_settings
from gateway.models import InboundMail
from tests.support.dovecot import PASSWORD, Dovecot

pytestmark = pytest.mark.slow


@pytest.fixture
def dovecot():
    server = Dovecot().start()
    yield server
    server.close()


def imap_settings(settings, dovecot: Dovecot, **overrides):
    values = dict(imap_host="127.0.0.1", imap_port=dovecot.port, imap_user="aplus", imap_password=PASSWORD,
                  imap_security="starttls", imap_ca_file=str(dovecot.cert), imap_poll_seconds=0.2,
                  imap_timeout=10.0)
    return replace(settings, **{**values, **overrides})


@pytest.fixture
def mailbox_settings(settings, dovecot):
    return imap_settings(settings, dovecot)


def poller_for(database, settings, **kwargs) -> MailboxPoller:
    return MailboxPoller(database, settings, mailboxes_from_settings(settings)[0], **kwargs)


def mail(number: int, *, sender: str = "marie.durand@example.org", size: int = 0) -> bytes:
    message = EmailMessage()
    message["From"] = f"Marie Durand <{sender}>"
    message["To"] = "aplus@aplus.localhost"
    message["Subject"] = f"Demande {number} : mon RSA est bloqué"
    message["Message-ID"] = f"<{number}.{time.monotonic_ns()}@example.org>"
    message.set_content("Bonjour,\nMon RSA est suspendu, j'habite à Marseille (13001).\n" + "x" * size)
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def spooled(database) -> list[InboundMail]:
    with database.begin() as session:
        return list(session.scalars(select(InboundMail).order_by(InboundMail.id)))


def wait_until(condition, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False
