"""Caps on what one SMTP client may take of the receiver (gateway/inbound/smtp_limits.py).

Real sockets against the real receiver; each cap set low so that the test
reaches it, and each test checks that the receiver still serves a normal
client afterwards.
"""

from __future__ import annotations

import smtplib
import socket
import time
from email.policy import SMTP

import pytest

from gateway.inbound.smtp import GatewayController
from tests.support.gateway import MARIE, request_mail


def start(database, settings, **caps) -> GatewayController:
    from dataclasses import replace

    from tests.support.smtp_sink import free_port

    controller = GatewayController(database, replace(settings, smtp_port=free_port(), **caps))
    controller.start()
    return controller


def greeting(controller) -> bytes:
    with socket.create_connection((controller.hostname, controller.port), timeout=10) as sock:
        return sock.recv(200)


def deliver(controller) -> tuple[int, bytes]:
    with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
        client.ehlo()
        client.mail(MARIE)
        client.rcpt("aplus@aplus.localhost")
        return client.data(request_mail().as_bytes(policy=SMTP))


def open_session(controller) -> socket.socket:
    sock = socket.create_connection((controller.hostname, controller.port), timeout=10)
    assert sock.recv(200).startswith(b"220")
    return sock


def test_connections_over_the_cap_per_client_get_421(database, settings):
    controller = start(database, settings, smtp_max_connections_per_client=3)
    try:
        held = [open_session(controller) for _ in range(3)]
        assert greeting(controller).startswith(b"421 4.7.0")
        held.pop().close()
        time.sleep(0.2)
        assert deliver(controller)[0] == 250  # a place was freed
        for sock in held:
            sock.close()
    finally:
        controller.stop()


def test_connections_over_the_total_cap_get_421(database, settings):
    controller = start(database, settings, smtp_max_connections=4, smtp_max_connections_per_client=100)
    try:
        held = [open_session(controller) for _ in range(4)]
        assert greeting(controller).startswith(b"421")
        for sock in held:
            sock.close()
        time.sleep(0.2)
        assert deliver(controller)[0] == 250
    finally:
        controller.stop()


@pytest.mark.timeout(30)
def test_a_session_sending_noop_is_closed_after_the_session_cap(database, settings):
    controller = start(database, settings, smtp_max_session_seconds=1.5)
    try:
        started = time.monotonic()
        with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
            with pytest.raises(smtplib.SMTPServerDisconnected):
                while time.monotonic() - started < 10:
                    code, _ = client.noop()
                    if code == 421:
                        raise smtplib.SMTPServerDisconnected("421")
                    time.sleep(0.2)
        assert time.monotonic() - started < 5
        assert deliver(controller)[0] == 250
    finally:
        controller.stop()


def test_too_many_noops_close_the_session(database, settings):
    controller = start(database, settings)
    try:
        with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
            codes = [client.noop()[0] for _ in range(20)]
            assert codes == [250] * 20
            code, answer = client.noop()
            assert code == 421 and b"NOOP" in answer
    finally:
        controller.stop()


def test_data_over_the_shared_memory_budget_gets_451_and_the_budget_comes_back(database, settings):
    controller = start(database, settings, smtp_data_memory_bytes=600_000)
    try:
        holder = open_session(controller)  # a slow sender, half-way through a 500 KB mail
        for line in (b"EHLO a\r\n", b"MAIL FROM:<a@example.org>\r\n", b"RCPT TO:<aplus@aplus.localhost>\r\n", b"DATA\r\n"):
            holder.sendall(line)
            holder.recv(1000)
        holder.sendall(b"Subject: lent\r\n\r\n" + b"x" * 70 + b"\r\n" * 1 + (b"y" * 98 + b"\r\n") * 5000)
        time.sleep(0.5)
        with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
            client.ehlo()
            client.mail(MARIE)
            client.rcpt("aplus@aplus.localhost")
            code, answer = client.data(request_mail(text="z" * 200_000).as_bytes(policy=SMTP))
            assert code == 451 and answer.startswith(b"4.3.1")
        holder.sendall(b".\r\n")
        assert holder.recv(1000).startswith(b"250")  # the slow sender's mail is taken
        holder.close()
        assert deliver(controller)[0] == 250  # and the budget it held is free again
        assert controller.budget.used == 0
    finally:
        controller.stop()


def test_an_oversize_mail_is_not_buffered_past_the_limit(database, settings):
    controller = start(database, settings, max_message_bytes=100_000, smtp_data_memory_bytes=150_000)
    try:
        for _ in range(3):  # each would exhaust the budget if its bytes were kept past the limit
            with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
                client.ehlo()
                client.mail(MARIE)
                client.rcpt("aplus@aplus.localhost")
                code, answer = client.data(request_mail(text=("y" * 70 + "\n") * 3000).as_bytes(policy=SMTP))
                assert code == 552 and b"100000" in answer
        assert controller.budget.used == 0
        assert deliver(controller)[0] == 250
    finally:
        controller.stop()


def test_dot_stuffed_lines_and_the_line_limit_are_kept(database, settings):
    controller = start(database, settings)
    try:
        mail = request_mail(text=".Une ligne qui commence par un point\n..et deux\n")
        with smtplib.SMTP(controller.hostname, controller.port, timeout=10) as client:
            assert client.sendmail(MARIE, ["aplus@aplus.localhost"], mail.as_bytes(policy=SMTP)) == {}
            client.mail(MARIE)
            client.rcpt("aplus@aplus.localhost")
            code, _ = client.data(b"Subject: x\r\n\r\n" + b"a" * 2000 + b"\r\n")
            assert code == 500
        with database.begin() as session:
            from sqlalchemy import select

            from gateway.models import InboundMail

            [row] = session.scalars(select(InboundMail)).all()
            assert b"\r\n.Une ligne" in row.raw and b"\r\n..et deux" in row.raw
    finally:
        controller.stop()
