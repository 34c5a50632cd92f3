"""``aplus run`` with a reading that never ends: killed on budget, other mail flows, SIGTERM is quick.

A hung parser is made for real: the processor's understanding child is
stopped with SIGSTOP, so the processor waits on a process that will never
answer, exactly as it would on a pathological mail.
"""

from __future__ import annotations

import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from tests.cli.test_workers import _worker_pid, wait_until
from tests.support.gateway import request_mail
from tests.support.smtp_sink import free_port

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    """Live child processes of ``pid`` (from /proc/*/stat: field 4 is the parent)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry))
    return found


def send(port: int, sender: str) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(sender, ["aplus@aplus.localhost"], request_mail(sender).as_bytes())


def spool_rows(path) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT mail_from, state, attempts, error FROM inbound_mail ORDER BY id").fetchall()


@pytest.mark.timeout(240)
def test_a_hung_reading_is_killed_other_mail_flows_and_sigterm_stops_at_once(tmp_path):
    port = free_port()
    env = {**os.environ, "APLUS_DATA_DIR": str(tmp_path / "var"), "APLUS_SMTP_PORT": str(port),
           "APLUS_PROCESSORS": "1", "APLUS_UNDERSTAND_TIMEOUT_SECONDS": "3", "APLUS_RETRY_BASE_SECONDS": "1",
           "APLUS_ADMIN_PORT": str(free_port())}
    env.pop("APLUS_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(line.decode() for line in process.stdout), daemon=True).start()
    database = tmp_path / "var" / "aplus.db"
    try:
        assert wait_until(lambda: any("Ctrl+C" in line for line in lines), 120)
        processor = _worker_pid(lines, "processor")
        assert wait_until(lambda: len(children(processor)) == 1)
        [hung] = children(processor)
        os.kill(hung, signal.SIGSTOP)  # the reading of the next mail never ends

        send(port, "bloque@example.org")
        time.sleep(0.5)
        for number in range(3):
            send(port, f"suivant{number}@example.org")
        assert wait_until(lambda: [row[1] for row in spool_rows(database)] == ["done"] * 4, 60), spool_rows(database)
        first = spool_rows(database)[0]
        assert first[2] == 2  # killed once on its budget, done on the retry in a fresh child
        assert hung not in children(processor)

        [reader] = children(processor)
        os.kill(reader, signal.SIGSTOP)
        send(port, "pendant-arret@example.org")
        time.sleep(1.0)  # the processor is now waiting on the stopped reader
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        stopped_in = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert stopped_in < 5, f"aplus run took {stopped_in:.1f} s to stop"
    last = spool_rows(database)[-1]
    assert last[:3] == ("pendant-arret@example.org", "queued", 0)  # given back untouched, nothing lost
