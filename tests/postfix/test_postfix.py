"""Mail through a real Postfix configured as docs/postfix.md says: in by LMTP or pipe, out by relay."""

from __future__ import annotations

import os
import re
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.storage.db import Database
from tests.postfix.test_lmtp import forged_token_address
from tests.support.gateway import AWA, MARIE, request_mail
from tests.support.postfix import Postfix, doc_blocks, gateway_toml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def send_through(postfix: Postfix, mail, to: list[str]) -> None:
    with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=30) as client:
        client.starttls()  # the documented TLS, with the test's self-signed certificate
        client.send_message(mail, from_addr=MARIE, to_addrs=to)


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_mail_through_postfix_and_lmtp_opens_a_ticket_and_the_answers_go_out_through_postfix(behind_postfix):
    gateway, postfix = behind_postfix

    send_through(postfix, request_mail(), [gateway.settings.address])

    assert wait_for(lambda: len(gateway.inbound()) == 1)
    gateway.wait_settled()
    assert wait_for(lambda: gateway.sink.to(MARIE) and gateway.sink.to(AWA))
    (ticket,) = gateway.tickets()
    assert gateway.inbound()[0].source == "lmtp" and gateway.inbound()[0].ticket_id == ticket.id
    # what the sink got was relayed by the Postfix, not sent directly
    assert "mx.aplus.localhost" in str(gateway.sink.to(MARIE)[0].message["Received"])


def test_a_forged_token_is_refused_while_the_other_recipient_is_delivered(behind_postfix):
    gateway, postfix = behind_postfix
    forged = forged_token_address(gateway.settings)

    send_through(postfix, request_mail(), [gateway.settings.address, forged])

    assert wait_for(lambda: len(gateway.inbound()) == 1)
    assert gateway.inbound()[0].recipients == [gateway.settings.address]
    postfix.wait_for_log(rf"to=<{re.escape(forged)}>.*status=bounced .*550 5\.1\.1")
    assert wait_for(lambda: any("Undelivered" in str(r.message["Subject"]) for r in gateway.sink.to(MARIE)))


def test_the_database_down_defers_in_postfix_and_the_mail_arrives_once_after(behind_postfix, tmp_path):
    gateway, postfix = behind_postfix
    working = gateway.controller.handler.database
    gateway.controller.handler.database = Database.connect(f"sqlite:///{tmp_path}/missing/folder/aplus.db")

    send_through(postfix, request_mail(), [gateway.settings.address])

    postfix.wait_for_log(r"status=deferred .*451 4\.3\.0")
    assert wait_for(lambda: postfix.deferred() == 1, timeout=10)  # the queue file follows the log line
    assert gateway.inbound() == []
    assert not any("Undelivered" in str(r.message["Subject"]) for r in gateway.sink.received)  # deferred, not bounced

    gateway.controller.handler.database = working

    assert wait_for(lambda: len(gateway.inbound()) == 1, timeout=60)
    postfix.wait_for_log(r"lmtp.*status=sent")
    time.sleep(2)  # another retry would have come by now
    assert len(gateway.inbound()) == 1 and wait_for(lambda: postfix.deferred() == 0, timeout=10)


def test_postfix_refuses_mail_over_the_aligned_size_limit_at_the_door(behind_postfix):
    gateway, postfix = behind_postfix
    blocks = doc_blocks()
    postfix_limit = int(next(line.split("=")[1] for line in blocks["main.cf"].splitlines()
                             if line.startswith("message_size_limit")))
    gateway_limit = int(next(line.split("=")[1] for line in blocks["aplus.toml"].splitlines()
                             if line.startswith("max_message_bytes")))
    assert 0 < gateway_limit - postfix_limit <= 64 * 1024  # Postfix's limit leaves room for the headers it adds

    with smtplib.SMTP("127.0.0.1", postfix.smtp_port, timeout=30) as client:
        client.ehlo()
        code, reply = client.mail(MARIE, options=[f"SIZE={postfix_limit + 1}"])

    assert code == 552 and b"5.3.4" in reply


def test_lmtp_over_the_documented_unix_socket(database, settings, sink):
    postfix = Postfix(sink_port=sink.port, transport="lmtp-unix")
    env = {**os.environ, "APLUS_DATA_DIR": str(settings.data_dir), "APLUS_SECRET_KEY": "test-secret-key",
           "APLUS_DATABASE_URL": settings.effective_database_url}
    receiver = subprocess.Popen([sys.executable, "-m", "gateway.cli", "smtpd", "--lmtp", "--socket",
                                 str(postfix.socket_path)], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    try:
        assert "Réception LMTP" in receiver.stdout.readline().decode()
        postfix.start()
        send_through(postfix, request_mail(), [settings.address])
        assert wait_for(lambda: _spooled(database) == [("lmtp", settings.address)])
        postfix.wait_for_log(r"lmtp.*status=sent")
    finally:
        receiver.terminate()
        receiver.wait(10)
        postfix.close()


@pytest.mark.parametrize("database", ["postgres"], indirect=True)  # the pipe runs as "nobody": no private SQLite file
def test_the_pipe_transport_stores_and_defers_with_exit_75(database, settings, sink):
    url = database.engine.url.render_as_string(hide_password=False)
    postfix = Postfix(sink_port=sink.port, transport="pipe",
                      gateway_toml=gateway_toml("postgresql+psycopg://postgres@127.0.0.1:1/none")).start()
    try:
        send_through(postfix, request_mail(), [settings.address])  # the database is unreachable: exit 75
        postfix.wait_for_log(r"aplus-pipe.*status=deferred")
        assert wait_for(lambda: postfix.deferred() == 1, timeout=10)  # the queue file follows the log line
        assert _spooled(database) == []

        postfix.toml.write_text(gateway_toml(url))  # the database is back

        assert wait_for(lambda: _spooled(database) == [("pipe", settings.address)], timeout=60)
        postfix.wait_for_log(r"aplus-pipe.*status=sent")
        time.sleep(2)
        assert len(_spooled(database)) == 1 and wait_for(lambda: postfix.deferred() == 0, timeout=10)
    finally:
        postfix.close()


def _spooled(database) -> list[tuple[str, str]]:
    from sqlalchemy import select

    from gateway.models import InboundMail

    with database.begin() as session:
        return [(row.source, row.rcpt_tos) for row in session.scalars(select(InboundMail).order_by(InboundMail.id))]
