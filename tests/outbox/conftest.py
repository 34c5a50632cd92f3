"""Fixtures of the delivery tests: a real relay (aiosmtpd sink), queued mails, TLS.

Every test talks to a real SMTP server over a real socket; the relay's
refusals come from the sink's ``refuse_with``, its TLS from a certificate
generated here with ``openssl`` (the ``cryptography`` package is not a
dependency of the project).
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest

from gateway.config import Settings
from gateway.storage.db import Database
from gateway.models import OutboundMail
from tests.support.components import missing_component
from tests.support.smtp_sink import SmtpSink


def mail_bytes(recipient: str, subject: str = "[A+ #2026-0001] Votre demande", body: str = "Bonjour,\n\nVotre demande est bien reçue.\n") -> bytes:
    """A small rendered mail, CRLF line endings as the fan-out writes them."""
    message = EmailMessage()
    message["From"] = "A+ <aplus@aplus.localhost>"
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="aplus.localhost")
    message.set_content(body)
    return message.as_bytes(policy=policy.SMTP)


def queue_mail(database: Database, recipient: str = "awa.diallo@caf13.example", raw: bytes | None = None, **columns) -> int:
    """Put one mail in the outbox the way the fan-out does; return its id."""
    with database.begin() as session:
        row = OutboundMail(
            dedup_key=columns.pop("dedup_key", None) or make_msgid(idstring="dedup"),
            recipient=recipient,
            raw=raw if raw is not None else mail_bytes(recipient),
            **columns,
        )
        session.add(row)
        session.flush()
        return row.id


def outbox_row(database: Database, outbox_id: int) -> OutboundMail:
    with database.begin() as session:
        return session.get(OutboundMail, outbox_id)


@pytest.fixture
def relay_settings(settings: Settings, sink: SmtpSink) -> Settings:
    """Settings that deliver through the sink, with short, round retry delays."""
    return replace(
        settings,
        delivery="relay",
        relay_host=sink.host,
        relay_port=sink.port,
        relay_timeout=5.0,
        retry_base_seconds=60.0,
        retry_max_seconds=3600.0,
        retry_for_seconds=2 * 24 * 3600.0,
        poll_interval=0.05,
    )


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A verifying context that trusts this self-signed certificate only."""
        return ssl.create_default_context(cafile=str(self.cert))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made by ``openssl req``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing_component("openssl", "install the openssl command (Debian: apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return Certificate(cert, key)
