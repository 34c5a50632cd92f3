"""Ingest benchmark: SMTP acceptance throughput and end-to-end latency (run by hand).

    .venv/bin/python benchmarks/ingest.py [--mails 1000] [--connections 8] [--rate 20] [--seconds 15] [--runs 3]

It measures, in the same run and on the same machine, each server in its own
process (the load generator and the relay sink live in this one):

1. a *baseline*: a bare aiosmtpd server whose handler only writes each mail to
   a file and fsyncs it — the least any server that keeps mail durably does;
2. the gateway as a person starts it, ``aplus run`` (SQLite in a temporary
   folder, and PostgreSQL too when DATABASE_URL is set), with its demo
   directory, relaying to an aiosmtpd sink in this process.

Acceptance: ``--mails`` mails of about 3.7 KB over ``--connections`` parallel
SMTP connections; accepted mails/s, and the gateway's as a ratio of the
baseline measured just before it, ``--runs`` times, printed as the median
then each run. This machine's speed drifts by a third within minutes: with
one baseline at the start, the ratio read anywhere from 0.7 to 1.8 for the
same code.

Latency: on a fresh gateway, ``--rate`` mails/s offered for ``--seconds``
seconds on one connection; for each request, from the 250 the client
received to the arrival at the sink of the last mail of its ticket
(acknowledgement and agents' notifications); p50, p99 and the longest, for
each of ``--runs`` runs. Nothing here asserts a time: the numbers go in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from gateway.config import normalise_database_url  # noqa: E402
from tests.support.databases import postgres_schema  # noqa: E402
from tests.support.smtp_sink import SmtpSink, free_port  # noqa: E402

PARAGRAPH = (
    "Bonjour, je me permets de vous écrire car mon dossier RSA est bloqué à la CAF des Bouches-du-Rhône "
    "depuis mon déménagement de Paris à Marseille (13001). J'ai envoyé tous les justificatifs demandés. "
)
BASELINE_SERVER = """
import asyncio, os, sys, threading, time
from pathlib import Path
from aiosmtpd.controller import Controller
folder, port = Path(sys.argv[1]), int(sys.argv[2])
count = [0]
def write(data):
    count[0] += 1
    with open(folder / f"{count[0]}-{threading.get_ident()}.eml", "wb") as handle:
        handle.write(data); handle.flush(); os.fsync(handle.fileno())
class Handler:
    async def handle_DATA(self, server, session, envelope):
        await asyncio.to_thread(write, envelope.original_content)
        return "250 OK"
controller = Controller(Handler(), hostname="127.0.0.1", port=port)
controller.start()
print("Ctrl+C", flush=True)
sys.stdin.read()
controller.stop()
"""


def bench_mail(number: int, sender: str | None = None) -> bytes:
    sender = sender or f"personne{number}@bench.example"
    mail = EmailMessage()
    mail["From"] = f"Personne {number} <{sender}>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = f"Demande {number} : RSA bloqué"
    mail["Message-ID"] = f"<bench.{number}.{time.monotonic_ns()}@bench.example>"
    mail.set_content(PARAGRAPH * 14)
    return mail.as_bytes(policy=SMTP)


@contextmanager
def server(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Start a server process and wait for its banner (the line with "Ctrl+C")."""
    process = subprocess.Popen(command, env={**os.environ, **env}, cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        for line in process.stdout:
            if b"Ctrl+C" in line:
                break
        else:
            raise RuntimeError("the server did not start")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def send_all(port: int, mails: list[bytes], connections: int) -> float:
    """Send every mail over ``connections`` parallel connections; return the seconds it took."""
    chunks = [mails[i::connections] for i in range(connections)]

    def worker(chunk: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            for raw in chunk:
                client.sendmail("bench@bench.example", ["aplus@aplus.localhost"], raw)

    start = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(worker, chunks))
    return time.monotonic() - start


def baseline(mails: list[bytes], connections: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        with server([sys.executable, "-c", BASELINE_SERVER, folder, str(port)], {}):
            return len(mails) / send_all(port, mails, connections)


@contextmanager
def database_url(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'aplus.db'}"
    else:
        with postgres_schema() as url:
            yield url


@contextmanager
def gateway(kind: str, sink: SmtpSink) -> Iterator[tuple[int, str]]:
    """``aplus run`` on its own database, relaying to ``sink``; yields (SMTP port, database URL)."""
    with tempfile.TemporaryDirectory() as folder, database_url(kind, Path(folder)) as url:
        port = free_port()
        env = {
            "APLUS_DATA_DIR": folder, "APLUS_DATABASE_URL": url, "APLUS_SMTP_PORT": str(port),
            "APLUS_DELIVERY": "relay", "APLUS_RELAY_HOST": sink.host, "APLUS_RELAY_PORT": str(sink.port),
            "APLUS_SENDER_HOURLY_LIMIT": "1000000000",
        }
        with server([sys.executable, "-m", "gateway.cli", "run"], env):
            yield port, url


def wait_until_settled(url: str, timeout: float = 3600) -> None:
    engine = create_engine(normalise_database_url(url))
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                waiting = connection.execute(text(
                    "SELECT (SELECT count(*) FROM inbound_mail WHERE state = 'queued')"
                    " + (SELECT count(*) FROM outbound_mail WHERE state = 'queued')")).scalar()
            if waiting == 0:
                return
            time.sleep(0.2)
        raise RuntimeError("the gateway did not settle")
    finally:
        engine.dispose()


def acceptance(kind: str, mails: list[bytes], connections: int) -> tuple[float, float, float]:
    """(accepted mails/s; requests/s fully handled, from the first mail sent to the
    last outbound mail delivered; outbound mails per request)."""
    sink = SmtpSink().start()
    try:
        with gateway(kind, sink) as (port, url):
            start = time.monotonic()
            seconds = send_all(port, mails, connections)
            wait_until_settled(url)
            handled = len(mails) / (time.monotonic() - start)
    finally:
        sink.stop()
    return len(mails) / seconds, handled, len(sink.received) / len(mails)


def latency(kind: str, rate: float, seconds: float) -> list[float]:
    sink = SmtpSink().start()
    accepted: dict[str, float] = {}
    try:
        with gateway(kind, sink) as (port, url):
            with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
                start = time.monotonic()
                for number in range(int(rate * seconds)):
                    time.sleep(max(0.0, start + number / rate - time.monotonic()))
                    sender = f"latence{number}@bench.example"
                    client.sendmail(sender, ["aplus@aplus.localhost"], bench_mail(number, sender))
                    accepted[sender] = time.monotonic()
            wait_until_settled(url)
    finally:
        sink.stop()
    by_reference: dict[str, list[float]] = {}
    reference_of: dict[str, str] = {}
    for received in sink.received:
        found = re.search(r"\[A\+ #(\w+)\]", str(received.message["Subject"]))
        if found:
            by_reference.setdefault(found.group(1), []).append(received.arrived)
            for rcpt in received.rcpt_tos:
                reference_of.setdefault(rcpt.lower(), found.group(1))
    return [max(by_reference[reference_of[sender]]) - at for sender, at in accepted.items() if sender in reference_of]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def spread(values: list[float], digits: int = 0) -> str:
    """The median, and the range when there are several runs."""
    median = f"{statistics.median(values):.{digits}f}"
    if len(values) == 1:
        return median
    return f"{median} (runs: {', '.join(f'{value:.{digits}f}' for value in values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each measure (acceptance runs each right after their own baseline)")
    args = parser.parse_args()
    mails = [bench_mail(n) for n in range(args.mails)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"{args.mails} mails of {statistics.mean(len(m) for m in mails) / 1024:.1f} KB over {args.connections} connections, "
          f"{args.runs} runs (median, then each run)")
    kinds = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else [])
    runs: dict[str, list[tuple[float, float, float, float, float]]] = {kind: [] for kind in kinds}
    for _ in range(args.runs):
        for kind in kinds:  # the machine's speed drifts: each gateway run is compared with a baseline just before it
            base = baseline(mails, args.connections)
            accepted, handled, per_request = acceptance(kind, mails, args.connections)
            runs[kind].append((base, accepted, accepted / base, handled, per_request))
    for kind in kinds:
        bases, accepted, ratios, handled, per_request = (list(column) for column in zip(*runs[kind]))
        print(f"gateway (aplus run) on {kind}:")
        print(f"    baseline   {spread(bases)} mails/s (aiosmtpd + write + fsync, just before each gateway run)")
        print(f"    accepted   {spread(accepted)} mails/s")
        print(f"    ratio to the baseline of the same run: {spread(ratios, 2)}")
        print(f"    handled    {spread(handled, 1)} requests/s, {statistics.mean(per_request):.1f} outbound mails each "
              f"(first mail sent -> last delivery)")
        p50s, p99s, longest = [], [], []
        for _ in range(args.runs):
            latencies = latency(kind, args.rate, args.seconds)
            p50s.append(percentile(latencies, 0.5) * 1000)
            p99s.append(percentile(latencies, 0.99) * 1000)
            longest.append(max(latencies) * 1000)
        print(f"    end to end at {args.rate:g}/s for {args.seconds:g} s ({len(latencies)} requests a run):")
        print(f"        p50 {spread(p50s)} ms\n        p99 {spread(p99s)} ms\n        max {spread(longest)} ms")


if __name__ == "__main__":
    main()
