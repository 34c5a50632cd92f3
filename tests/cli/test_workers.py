"""The processes of ``aplus run``: doorbells and SQLite write turns across processes, supervision.

Every test starts real processes (``multiprocessing`` spawn, or ``aplus run``
itself) and observes them from outside: rings, locks, pids, mail handled.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from gateway.storage.db import Database
from gateway.doorbell import Doorbell
from gateway.workers import Supervisor
from tests.support.databases import sqlite_url
from tests.support.smtp_sink import free_port

SPAWN = multiprocessing.get_context("spawn")
ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


# -- children (module level: spawned processes import them) ---------------------------


def ring_after(bell: Doorbell, seconds: float) -> None:
    time.sleep(seconds)
    bell.ring()


def arrive_slowly(bell: Doorbell, started, stored, seconds: float) -> None:
    with bell.arriving():
        started.set()
        time.sleep(seconds)
        stored.set()


def wait_forever(bell: Doorbell, waiting) -> None:
    waiting.set()
    while True:
        bell.clear()
        bell.wait(0.001)


def hold_the_write_turn(url: str, holding, release) -> None:
    database = Database.connect(url)
    with database.begin():
        holding.set()
        release.wait(30)
    database.dispose()


def exit_at_once(stop, ready, marker: str) -> None:
    with open(marker, "a") as handle:
        handle.write(f"{os.getpid()}\n")


def work_until_stopped(stop, ready, marker: str) -> None:
    Path(marker).write_text(str(os.getpid()))
    ready.set()
    while not stop.is_set():
        stop.wait(0.05)


# -- doorbell ---------------------------------------------------------------------


def test_a_ring_in_another_process_wakes_the_waiter():
    bell = Doorbell()
    bell.clear()
    child = SPAWN.Process(target=ring_after, args=(bell, 0.3))
    child.start()
    started = time.monotonic()
    bell.wait(30)
    child.join(10)
    assert child.exitcode == 0
    assert time.monotonic() - started < 25  # woken by the ring, not by the 30 s timeout


def test_waiting_for_quiet_lasts_while_another_process_is_storing_a_mail():
    bell = Doorbell()
    started, stored = SPAWN.Event(), SPAWN.Event()
    child = SPAWN.Process(target=arrive_slowly, args=(bell, started, stored, 0.5))
    child.start()
    assert started.wait(30)
    bell.wait_until_quiet(0.02, 30)
    quiet_after_storing = stored.is_set()
    child.join(10)
    assert quiet_after_storing  # quiet only came once the other process had stored its mail


def test_ringing_never_blocks_even_when_a_waiter_was_killed_mid_wait():
    bell = Doorbell()
    waiting = SPAWN.Event()
    child = SPAWN.Process(target=wait_forever, args=(bell, waiting))
    child.start()
    assert waiting.wait(30)
    os.kill(child.pid, signal.SIGKILL)
    child.join(10)

    def ring_a_lot():
        for _ in range(100_000):  # far more than a pipe holds: a full pipe is not an error
            bell.ring()
        with bell.arriving():
            pass

    ringer = threading.Thread(target=ring_a_lot, daemon=True)
    ringer.start()
    ringer.join(60)
    assert not ringer.is_alive()
    assert bell.arrivals == 1


# -- SQLite write turn --------------------------------------------------------------


def test_another_process_waits_for_the_sqlite_write_turn(tmp_path):
    url = sqlite_url(tmp_path)
    Database.connect(url).dispose()
    holding, release = SPAWN.Event(), SPAWN.Event()
    child = SPAWN.Process(target=hold_the_write_turn, args=(url, holding, release))
    child.start()
    try:
        assert holding.wait(30)
        with open(tmp_path / "aplus.db.lock", "a+b") as lock:
            with pytest.raises(BlockingIOError):
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            release.set()
            child.join(30)
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # free as soon as the child committed
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    finally:
        release.set()
        child.join(10)
    assert child.exitcode == 0


# -- supervision --------------------------------------------------------------------


def test_a_worker_that_dies_is_started_again(tmp_path):
    marker = tmp_path / "starts"
    supervisor = Supervisor()
    supervisor.add("short-lived", exit_at_once, str(marker))
    supervisor.start()
    try:
        assert wait_until(lambda: marker.exists() and len(marker.read_text().split()) == 1)
        assert wait_until(lambda: not supervisor.workers[0].process.is_alive())
        supervisor.check()
        assert wait_until(lambda: len(marker.read_text().split()) == 2)
    finally:
        supervisor.stop()
    first, second = marker.read_text().split()
    assert first != second and supervisor.workers[0].restarts == 1


def test_stop_asks_workers_to_finish(tmp_path):
    marker = tmp_path / "pid"
    supervisor = Supervisor()
    supervisor.add("worker", work_until_stopped, str(marker))
    supervisor.start()
    assert supervisor.wait_ready(30) and marker.exists()
    supervisor.stop(timeout=30)
    assert supervisor.workers[0].process.exitcode == 0  # returned on its own, not terminated


PARENT = """
import sys, time
from gateway.workers import Supervisor
from tests.cli.test_workers import work_until_stopped
if __name__ == "__main__":
    supervisor = Supervisor()
    supervisor.add("orphan", work_until_stopped, sys.argv[1])
    supervisor.start()
    time.sleep(600)
"""


def test_a_worker_stops_when_its_parent_is_killed(tmp_path):
    marker = tmp_path / "pid"
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script), str(marker)], cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert wait_until(lambda: marker.exists() and marker.read_text())
        child = int(marker.read_text())
        parent.kill()
        parent.wait(10)
        assert wait_until(lambda: not _alive(child))
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


# -- aplus run --------------------------------------------------------------------


@pytest.mark.slow
def test_aplus_run_restarts_a_killed_processor_and_the_mail_is_handled(tmp_path):
    port = free_port()
    env = {**os.environ, "APLUS_DATA_DIR": str(tmp_path / "var"), "APLUS_SMTP_PORT": str(port),
           "APLUS_ADMIN_PORT": str(free_port())}  # the admin's default 8080 may be taken by a parallel run
    env.pop("APLUS_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(line.decode() for line in process.stdout), daemon=True)
    reader.start()
    try:
        assert wait_until(lambda: any("Ctrl+C" in line for line in lines), 120)
        assert wait_until(lambda: any("worker processor started" in line for line in lines))
        first = _worker_pid(lines, "processor")
        os.kill(first, signal.SIGKILL)
        assert wait_until(lambda: len(_worker_pids(lines, "processor")) == 2)
        sent = subprocess.run([sys.executable, "-m", "gateway.cli", "demo", "send"], env=env, cwd=tmp_path,
                              capture_output=True, timeout=60)
        assert sent.returncode == 0, sent.stderr.decode()
        outbox = tmp_path / "var" / "outbox"
        assert wait_until(lambda: len(list(outbox.glob("*.eml"))) >= 2, 60)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    assert process.returncode == 0
    assert any("worker processor (pid %d) stopped" % first in line for line in lines)


def _worker_pids(lines: list[str], name: str) -> list[int]:
    return [int(m.group(1)) for line in lines for m in [re.search(rf"worker {name} started \(pid (\d+)\)", line)] if m]


def _worker_pid(lines: list[str], name: str) -> int:
    return _worker_pids(lines, name)[-1]


# -- burst gate ----------------------------------------------------------------------


class CountedBell:
    """A doorbell's two readings the gate uses, set by the test: arrivals and the waits asked for."""

    def __init__(self) -> None:
        self.arrivals = 0
        self.waits = 0

    def wait_until_quiet(self, quiet: float, longest: float) -> None:
        self.waits += 1


def test_the_gate_waits_out_a_burst_but_not_a_trickle():
    from gateway.doorbell import BURST_RATE, BurstGate

    bell, now = CountedBell(), [100.0]
    gate = BurstGate(bell, clock=lambda: now[0])
    now[0] += 1.0
    bell.arrivals += 20  # 20 mails in a second: a steady trickle
    assert gate.pass_burst() is False and bell.waits == 0
    now[0] += 0.05
    bell.arrivals += int(BURST_RATE * 0.05) + 5  # faster than the burst rate since the last look
    assert gate.pass_burst() is True and bell.waits == 1
    now[0] += 0.05
    bell.arrivals += 1
    assert gate.pass_burst() is False and bell.waits == 1


def test_the_gate_counts_arrivals_stored_in_another_process():
    bell = Doorbell()
    started, stored = SPAWN.Event(), SPAWN.Event()
    child = SPAWN.Process(target=arrive_slowly, args=(bell, started, stored, 0.0))
    child.start()
    child.join(30)
    assert stored.is_set() and bell.arrivals == 1
