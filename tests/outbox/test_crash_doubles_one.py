"""A delivery worker killed in the middle of a batch leaves only its mail in flight unrecorded.

Real processes: ``aplus deliver --once`` runs as its own process against a
real relay; the relay kills it with SIGKILL while it holds the third mail's
DATA, like a power cut. Before, the outcomes of a batch were recorded
together, so the two mails already accepted by the relay were sent again
once the lease ran out.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from gateway.models import OutboundMail
from tests.outbox.conftest import queue_mail
from tests.support.smtp_sink import SmtpSink

ROOT = Path(__file__).resolve().parents[2]


class KillingHandler:
    """A relay that takes mails and kills its client when the ``kill_at``-th mail arrives."""

    def __init__(self, kill_at: int):
        self.kill_at = kill_at
        self.count = 0
        self.pid: int | None = None

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        if self.count == self.kill_at and self.pid:
            os.kill(self.pid, signal.SIGKILL)
        return "250 2.0.0 OK"


def test_a_killed_delivery_worker_leaves_only_its_mail_in_flight(database, settings, tmp_path):
    sink = SmtpSink()
    handler = KillingHandler(kill_at=3)
    sink.controller.handler = handler
    sink.start()
    ids = [queue_mail(database, f"agent{i}@caf13.example") for i in range(6)]
    env = {**os.environ, "APLUS_DATA_DIR": str(settings.data_dir), "APLUS_SECRET_KEY": "test-secret-key",
           "APLUS_DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
           "APLUS_DELIVERY": "relay", "APLUS_RELAY_HOST": sink.host, "APLUS_RELAY_PORT": str(sink.port)}
    try:
        process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "deliver", "--once"], env=env, cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        handler.pid = process.pid
        process.wait(timeout=120)
    finally:
        sink.stop()
    assert process.returncode == -signal.SIGKILL, process.stderr.read().decode()
    with database.begin() as session:
        states = dict(session.execute(select(OutboundMail.id, OutboundMail.state)).all())
    assert [states[i] for i in ids] == ["sent", "sent", "queued", "queued", "queued", "queued"]
    # only the third, in flight at the kill, can be sent twice: it is queued again once its lease expires
