"""LMTP answers per recipient (RFC 2033), over TCP and over a UNIX socket."""

from __future__ import annotations

import socket
from dataclasses import replace

import pytest
from sqlalchemy import select

from gateway import addresses
from gateway.inbound.smtp import GatewayController, GatewaySocketController
from gateway.models import InboundMail
from gateway.storage.db import Database
from tests.support.smtp_sink import free_port

pytestmark = pytest.mark.slow

MAIL = b"From: marie.durand@example.org\r\nTo: aplus@aplus.localhost\r\nSubject: RSA\r\n\r\nBonjour\r\n"


class LmtpClient:
    """A few lines of LMTP by hand: smtplib reads a single reply after DATA, LMTP gives one per recipient."""

    def __init__(self, sock: socket.socket) -> None:
        self.file = sock.makefile("rb")
        self.sock = sock
        self.reply()

    def reply(self) -> list[str]:
        lines = []
        while True:
            line = self.file.readline().decode().rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return lines

    def command(self, line: str) -> list[str]:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, recipients: list[str], raw: bytes = MAIL) -> tuple[list[str], list[str]]:
        """(RCPT replies, DATA replies: one per accepted recipient)."""
        self.command("LHLO test.example")
        self.command("MAIL FROM:<marie.durand@example.org>")
        rcpt = [self.command(f"RCPT TO:<{address}>")[-1] for address in recipients]
        accepted = sum(reply.startswith("250") for reply in rcpt)
        self.command("DATA")
        self.sock.sendall(raw + b".\r\n")
        return rcpt, [self.reply()[-1] for _ in range(accepted)]


def valid_token_address(settings) -> str:
    return addresses.personal_address(settings, "reply", 1, 2)


def forged_token_address(settings) -> str:
    return f"{settings.local_part}+r1-2-0000000000000000@{settings.domain}"


@pytest.fixture
def lmtp_settings(settings):
    return replace(settings, lmtp=True, smtp_port=free_port())


@pytest.fixture(params=["tcp", "unix"])
def lmtp_client(request, database, lmtp_settings, tmp_path):
    if request.param == "tcp":
        controller = GatewayController(database, lmtp_settings)
        controller.start()
        sock = socket.create_connection(("127.0.0.1", lmtp_settings.smtp_port), timeout=10)
    else:
        path = str(tmp_path / "lmtp.sock")
        controller = GatewaySocketController(database, lmtp_settings, path)
        controller.start()
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(10)
        sock.connect(path)
    yield LmtpClient(sock), controller
    sock.close()
    controller.stop()


def test_a_valid_and_a_forged_token_in_one_mail_get_250_and_550(lmtp_client, lmtp_settings, database):
    client, _ = lmtp_client
    rcpt, data = client.send([valid_token_address(lmtp_settings), forged_token_address(lmtp_settings),
                              lmtp_settings.address])

    assert rcpt[0].startswith("250") and rcpt[1].startswith("550 5.1.1") and rcpt[2].startswith("250")
    assert len(data) == 2 and all(reply.startswith("250 2.0.0") for reply in data)
    with database.begin() as session:
        (row,) = session.scalars(select(InboundMail)).all()
        assert row.recipients == [valid_token_address(lmtp_settings), lmtp_settings.address]
        assert row.source == "lmtp"


def test_the_database_down_gives_a_451_per_recipient(lmtp_client, lmtp_settings, database, tmp_path):
    client, controller = lmtp_client
    controller.handler.database = Database.connect(f"sqlite:///{tmp_path}/missing/folder/aplus.db")

    rcpt, data = client.send([lmtp_settings.address, valid_token_address(lmtp_settings)])

    assert data == [data[0], data[0]] and data[0].startswith("451 4.3.0")
    with database.begin() as session:
        assert session.scalars(select(InboundMail)).all() == []


def test_aplus_smtpd_listens_on_a_unix_socket(tmp_path, settings):
    import os
    import subprocess
    import sys
    import time
    from pathlib import Path

    path = tmp_path / "lmtp.sock"
    env = {**os.environ, "APLUS_DATA_DIR": str(tmp_path / "var"),
           "APLUS_DATABASE_URL": settings.effective_database_url, "APLUS_SECRET_KEY": "test-secret-key"}
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "smtpd", "--lmtp", "--socket", str(path)],
                               env=env, cwd=Path(__file__).resolve().parents[2], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    try:
        line = process.stdout.readline().decode()
        assert f"Réception LMTP sur {path}" in line
        assert path.stat().st_mode & 0o777 == 0o666
        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(10)
        sock.connect(str(path))
        _, data = LmtpClient(sock).send([settings.address])
        assert data[0].startswith("250 2.0.0")
        sock.close()
    finally:
        process.terminate()
        process.wait(10)
