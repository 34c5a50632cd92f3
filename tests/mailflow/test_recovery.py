"""Crashes and outages: nothing lost, nothing doubled."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gateway.storage import spool
from gateway.models import InboundMail, OutboundMail, Participant, Ticket
from gateway.outbound.outbox import deliver_due
from gateway.processing.processor import drain
from gateway.outbound.transports import RelayTransport
from tests.support.gateway import GatewayHarness, gateway_settings, request_mail, small_directory
from tests.support.smtp_sink import SmtpSink

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def count(database, model, *where) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_processor_killed_before_commit_loses_nothing_and_doubles_nothing(database, settings, sink):
    settings = gateway_settings(settings, sink, process_lease_seconds=0.5)
    small_directory(database, settings)
    spool.enqueue(database, request_mail().as_bytes(), rcpt_tos=[settings.address])
    url = database.engine.url.render_as_string(hide_password=False)

    crashed = subprocess.run([sys.executable, "-m", "tests.mailflow.crash_processor", url, str(settings.data_dir)],
                             cwd=ROOT, capture_output=True, timeout=60)
    assert crashed.returncode == 9, crashed.stderr.decode()[-2000:]
    # the attempt's effects were rolled back; the mail is still queued, its attempt counted
    assert count(database, Ticket) == 0 and count(database, OutboundMail) == 0
    with database.begin() as session:
        row = session.scalars(select(InboundMail)).one()
        assert (row.state, row.attempts) == ("queued", 1)

    time.sleep(0.6)  # the crashed attempt's lease runs out
    assert drain(database, settings) == 1
    assert drain(database, settings) == 0  # and nothing is left to do twice
    assert count(database, Ticket) == 1
    recipients = count(database, Participant)
    assert count(database, OutboundMail) == recipients  # one mail per participant, once
    report = deliver_due(database, settings, RelayTransport(settings))
    assert len(report.sent) == recipients
    assert len(sink.received) == recipients


def test_relay_down_then_up_delivers_each_mail_once(database, settings):
    port_sink = SmtpSink()
    settings = gateway_settings(settings, port_sink)  # the relay's port, nobody listening yet
    small_directory(database, settings)
    gateway = GatewayHarness(database, settings, port_sink).start(delivery=False)
    try:
        gateway.send(request_mail())
        deadline = time.monotonic() + 20
        while count(database, OutboundMail) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        queued = count(database, OutboundMail)
        assert queued >= 2
        report = deliver_due(database, settings, RelayTransport(settings))
        assert len(report.deferred) == queued and not report.sent
        with database.begin() as session:
            assert all("refused" in r.last_error.lower() or r.last_error for r in session.scalars(select(OutboundMail)))
        port_sink.start()
        deadline = time.monotonic() + 20
        sent: list[int] = []
        while len(sent) < queued and time.monotonic() < deadline:
            sent += deliver_due(database, settings, RelayTransport(settings)).sent
            time.sleep(0.1)
        assert len(sent) == queued
        assert len(port_sink.received) == queued
        ids = [r.message["Message-ID"] + r.rcpt_tos[0] for r in port_sink.received]
        assert len(set(ids)) == queued
        assert count(database, OutboundMail, OutboundMail.state == "sent") == queued
    finally:
        gateway.stop()
        port_sink.stop()


@pytest.mark.postgres
def test_two_processors_and_two_delivery_workers_handle_every_mail_once(postgres_database, tmp_path, sink):
    import threading

    from gateway.config import load_settings

    database = postgres_database
    settings = load_settings(environ={}, data_dir=tmp_path / "var", secret_key="test-secret-key",
                             database_url=database.engine.url.render_as_string(hide_password=False))

    from gateway.storage.db import Database
    from gateway.outbound.outbox import run_delivery_loop
    from gateway.processing.processor import run_processor_loop

    settings = gateway_settings(settings, sink)
    small_directory(database, settings)
    total = 30
    for number in range(total):
        mail = request_mail(sender=f"personne{number}@example.org", subject=f"Demande {number}")
        spool.enqueue(database, mail.as_bytes(), rcpt_tos=[settings.address])
    url = database.engine.url.render_as_string(hide_password=False)
    stop = threading.Event()
    workers = []
    for _ in range(2):
        workers.append(threading.Thread(target=run_processor_loop, args=(Database.connect(url), settings, stop)))
        workers.append(threading.Thread(target=run_delivery_loop,
                                        args=(Database.connect(url), settings, RelayTransport(settings), stop)))
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if count(database, InboundMail, InboundMail.state == "queued") == 0 and \
                    count(database, OutboundMail, OutboundMail.state == "queued") == 0:
                break
            time.sleep(0.1)
    finally:
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
    assert count(database, InboundMail, InboundMail.state == "done") == total
    assert count(database, Ticket) == total
    outbound = count(database, OutboundMail)
    assert outbound == count(database, Participant)
    pairs = [(r.message["Message-ID"], r.rcpt_tos[0]) for r in sink.received]
    assert len(pairs) == outbound and len(set(pairs)) == outbound
