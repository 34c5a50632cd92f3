"""kill -9 at random moments, every process of ``aplus run``: what is lost, what is doubled (run by hand).

    .venv/bin/python benchmarks/kill_run.py [--mails 1000] [--kills 15] [--seed 1]

``aplus run`` (SQLite in a temporary folder, as in issue 10) relays to an aiosmtpd sink in this process. A sender thread
sends ``--mails`` requests, each from its own address, over SMTP and, as a
real MTA does, sends a mail again until it got a 250. Meanwhile, at random
moments, one process of the gateway chosen at random (the receiver, that is
``aplus run`` itself; a processor; the delivery worker; a reading child) is
killed with SIGKILL; when the receiver is the one killed, ``aplus run`` is
started again (its workers stop with it).

At the end, once everything is processed and delivered:

* lost: requests that got a 250 but whose requester has no ticket, or no acknowledgement;
* doubled tickets: a requester with two tickets;
* doubled mails: a (recipient, Message-ID) the sink received more than once.

Leases are short (``APLUS_PROCESS_LEASE_SECONDS=5``, relay timeout 2 s, so the
delivery lease is its minimum of 60 s) so that crashed attempts come back
within the run. docs/reliability.md quotes the figures.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import smtplib
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402

from benchmarks.ingest import bench_mail  # noqa: E402
from tests.support.smtp_sink import free_port  # noqa: E402


class Sink:
    """The relay: counts each (recipient, Message-ID)."""

    def __init__(self) -> None:
        self.received: Counter = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received[(recipient.lower(), str(message["Message-ID"]))] += 1
        return "250 2.0.0 OK"


def gateway_processes(parent: int) -> list[tuple[str, int]]:
    """(role, pid) of ``aplus run`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry))
    found = [("receiver", parent)]
    for worker in children.get(parent, []):
        found.append(("worker", worker))
        found.extend(("reading child", grandchild) for grandchild in children.get(worker, []))
    return [(role, pid) for role, pid in found if not _is_resource_tracker(pid)]


def _is_resource_tracker(pid: int) -> bool:
    try:
        return b"resource_tracker" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


class Gateway:
    def __init__(self, env: dict[str, str]):
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run"], env=self.env, cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in self.process.stdout:
            if b"Ctrl+C" in line:
                break
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(60)


def send_until_accepted(port: int, raw: bytes, sender: str, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
                client.sendmail(sender, ["aplus@aplus.localhost"], raw)
            return
        except (OSError, smtplib.SMTPException):
            time.sleep(0.5)  # as an MTA would, later


def run(kind: str, database_url: str, mails: int, kills: int, seed: int) -> dict:
    rng = random.Random(seed)
    sink = Sink()
    relay_port = free_port()
    relay = Controller(sink, hostname="127.0.0.1", port=relay_port)
    relay.start()
    folder = Path(tempfile.mkdtemp(prefix="aplus-kill-"))
    port = free_port()
    env = {**os.environ, "APLUS_DATA_DIR": str(folder), "APLUS_SMTP_PORT": str(port), "APLUS_DELIVERY": "relay",
           "APLUS_RELAY_HOST": "127.0.0.1", "APLUS_RELAY_PORT": str(relay_port), "APLUS_RELAY_TIMEOUT": "2",
           "APLUS_PROCESS_LEASE_SECONDS": "5", "APLUS_RETRY_BASE_SECONDS": "1", "APLUS_RETRY_MAX_SECONDS": "5",
           "APLUS_PROCESS_MAX_ATTEMPTS": "50", "APLUS_DATABASE_URL": database_url, "APLUS_SECRET_KEY": "kill-run",
           "APLUS_ADMIN_PORT": str(free_port())}
    subprocess.run([sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)
    gateway = Gateway(env)
    gateway.start()
    stop = threading.Event()
    senders = [f"personne{n}@kill.example" for n in range(mails)]

    def send_all() -> None:
        for number, sender in enumerate(senders):
            send_until_accepted(port, bench_mail(number, sender), sender, stop)

    started = time.monotonic()
    sending = threading.Thread(target=send_all)
    sending.start()
    killed: Counter = Counter()
    for _ in range(kills):
        time.sleep(rng.uniform(1.0, 6.0))
        processes = gateway_processes(gateway.process.pid)
        role, pid = rng.choice(processes)
        try:
            os.kill(pid, signal.SIGKILL)
            killed[role] += 1
        except ProcessLookupError:
            continue
        if role == "receiver":
            gateway.process.wait()
            time.sleep(1.0)  # its workers notice and stop
            gateway.start()
    sending.join()
    settled = wait_settled(kind, database_url, folder, timeout=600)
    elapsed = time.monotonic() - started
    gateway.stop()
    relay.stop()
    return {"kind": kind, "killed": dict(killed), "settled": settled, "seconds": elapsed,
            **count_outcomes(database_url, senders, sink)}


def _connect(database_url: str):
    return sqlite3.connect(database_url.split("///", 1)[1])


def wait_settled(kind: str, database_url: str, folder: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with _connect(database_url) as connection:
            queued = connection.execute("SELECT (SELECT count(*) FROM inbound_mail WHERE state = 'queued') + "
                                        "(SELECT count(*) FROM outbound_mail WHERE state = 'queued')").fetchone()[0]
        if queued == 0:
            return True
        time.sleep(2)
    return False


def count_outcomes(database_url: str, senders: list[str], sink: Sink) -> dict:
    with _connect(database_url) as connection:
        tickets = Counter(row[0] for row in connection.execute(
            "SELECT p.email FROM participants p WHERE p.role = 'requester'").fetchall())
        states = Counter(row[0] for row in connection.execute("SELECT state FROM inbound_mail").fetchall())
        outbound = Counter(row[0] for row in connection.execute("SELECT state FROM outbound_mail").fetchall())
    acknowledged = {recipient for (recipient, _), _count in sink.received.items()}
    return {
        "requests": len(senders),
        "lost (no ticket)": sum(1 for s in senders if tickets[s] == 0),
        "lost (no acknowledgement)": sum(1 for s in senders if s not in acknowledged),
        "doubled tickets": sum(1 for s in senders if tickets[s] > 1),
        "outbound mails": sum(outbound.values()),
        "doubled mails": sum(1 for count in sink.received.values() if count > 1),
        "inbound states": dict(states),
        "outbound states": dict(outbound),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    url = f"sqlite:///{tempfile.mkdtemp(prefix='aplus-kill-db-')}/aplus.db"
    result = run("sqlite", url, options.mails, options.kills, options.seed)
    for key, value in result.items():
        print(f"{key:28} {value}")


if __name__ == "__main__":
    main()
