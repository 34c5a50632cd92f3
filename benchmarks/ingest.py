"""Ingest benchmark: SMTP acceptance throughput and end-to-end latency (run by hand).

    .venv/bin/python benchmarks/ingest.py [--mails 1000] [--connections 8] [--rate 20] [--seconds 15]

It measures, in the same run and on the same machine:

1. a *baseline*: a bare aiosmtpd server whose handler only writes each mail to
   a file and fsyncs it — the least any server that keeps mail durably can do;
2. the gateway (SQLite in a temporary folder, and PostgreSQL too when
   DATABASE_URL is set): SMTP receiver, processor and delivery worker as
   wired by ``aplus run``, relaying to an aiosmtpd sink.

For each it sends ``--mails`` mails of about 3 KB over ``--connections``
parallel SMTP connections and prints accepted mails/s; our throughput is
printed as a ratio of the baseline's. Then, on the gateway, it offers
``--rate`` mails/s for ``--seconds`` seconds and prints the end-to-end latency
(250 received by the client -> every outbound mail of that request arrived
at the sink) at p50 and p99. Nothing here asserts a time; the numbers go in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller  # noqa: E402

from gateway.config import load_settings  # noqa: E402
from tests.support.databases import fresh_database  # noqa: E402
from tests.support.gateway import GatewayHarness, gateway_settings, small_directory  # noqa: E402
from tests.support.smtp_sink import SmtpSink, free_port  # noqa: E402

PARAGRAPH = (
    "Bonjour, je me permets de vous écrire car mon dossier RSA est bloqué à la CAF des Bouches-du-Rhône "
    "depuis mon déménagement de Paris à Marseille (13001). J'ai envoyé tous les justificatifs demandés. "
)


def bench_mail(number: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Personne {number} <personne{number}@bench.example>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = f"Demande {number} : RSA bloqué"
    mail["Message-ID"] = f"<bench.{number}.{time.monotonic_ns()}@bench.example>"
    mail.set_content(PARAGRAPH * 14)
    return mail.as_bytes(policy=SMTP)


class FsyncHandler:
    """The baseline: write each mail to its own file and fsync it, then 250."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def _write(self, data: bytes) -> None:
        self.count += 1
        path = self.folder / f"{self.count}-{threading.get_ident()}.eml"
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    async def handle_DATA(self, server, session, envelope):
        await asyncio.to_thread(self._write, envelope.original_content)
        return "250 OK"


def send_all(port: int, mails: list[bytes], connections: int) -> tuple[float, list[float]]:
    """Send every mail over ``connections`` parallel connections; return (seconds, accept times)."""
    accepted: list[float] = [0.0] * len(mails)
    chunks = [list(range(i, len(mails), connections)) for i in range(connections)]

    def worker(indexes: list[int]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for index in indexes:
                client.sendmail(f"personne{index}@bench.example", ["aplus@aplus.localhost"], mails[index])
                accepted[index] = time.monotonic()

    start = time.monotonic()
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(worker, chunks))
    return time.monotonic() - start, accepted


def baseline(mails: list[bytes], connections: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        controller = Controller(FsyncHandler(Path(folder)), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            seconds, _ = send_all(port, mails, connections)
        finally:
            controller.stop()
    return len(mails) / seconds


def arrivals(sink: SmtpSink) -> dict[str, list[float]]:
    """When each recipient's mails reached the sink."""
    result: dict[str, list[float]] = {}
    for received in sink.received:
        for rcpt in received.rcpt_tos:
            result.setdefault(rcpt.lower(), []).append(received.arrived)
    return result


def gateway_run(kind: str, mails: list[bytes], connections: int, rate: float, seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as database:
        sink = SmtpSink().start()
        settings = load_settings(environ={}, data_dir=Path(folder) / "var", secret_key="bench",
                                 database_url=database.engine.url.render_as_string(hide_password=False),
                                 sender_hourly_limit=10**9)
        settings = gateway_settings(settings, sink, poll_interval=0.5)
        small_directory(database, settings)
        harness = GatewayHarness(database, settings, sink).start()
        try:
            accept_seconds, _ = send_all(settings.smtp_port, mails, connections)
            drain_start = time.monotonic()
            harness.wait_settled(timeout=3600)
            drain_seconds = time.monotonic() - drain_start
            outbound_per_request = len(sink.received) / len(mails)
            sink.handler.received.clear()
            latencies = offered_load(settings.smtp_port, rate, seconds, harness, sink)
        finally:
            harness.stop()
            sink.stop()
    return {
        "accepted_per_s": len(mails) / accept_seconds,
        "processed_per_s": len(mails) / (accept_seconds + drain_seconds),
        "outbound_per_request": outbound_per_request,
        "latencies": latencies,
    }


def offered_load(port: int, rate: float, seconds: float, harness: GatewayHarness, sink: SmtpSink) -> list[float]:
    """Send at a steady rate on one connection; latency = 250 -> last outbound mail at the sink."""
    count = int(rate * seconds)
    accepted: dict[str, float] = {}
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        start = time.monotonic()
        for number in range(count):
            due = start + number / rate
            time.sleep(max(0.0, due - time.monotonic()))
            sender = f"latence{number}@bench.example"
            mail = bench_mail(number).replace(f"personne{number}@bench.example".encode(), sender.encode())
            client.sendmail(sender, ["aplus@aplus.localhost"], mail)
            accepted[sender] = time.monotonic()
    harness.wait_settled(timeout=600)
    time.sleep(0.2)
    arrived = arrivals(sink)
    per_request = len(sink.received) / max(count, 1)
    latencies = []
    for sender, at in accepted.items():
        # the acknowledgement goes to the sender; agents' notifications are delivered in the same run
        last = max(arrived.get(sender, [at]))
        latencies.append(last - at)
    print(f"    offered {count} mails at {rate}/s; {per_request:.1f} outbound mails per request")
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    mails = [bench_mail(n) for n in range(args.mails)]
    size = statistics.mean(len(m) for m in mails)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}")
    print(f"{args.mails} mails of {size / 1024:.1f} KB over {args.connections} connections")
    base = baseline(mails, args.connections)
    print(f"baseline (aiosmtpd + write + fsync): {base:8.1f} mails/s")
    kinds = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else [])
    for kind in kinds:
        result = gateway_run(kind, mails, args.connections, args.rate, args.seconds)
        latencies = result["latencies"]
        print(f"gateway on {kind}:")
        print(f"    accepted        {result['accepted_per_s']:8.1f} mails/s   ratio to baseline {result['accepted_per_s'] / base:.2f}")
        print(f"    processed       {result['processed_per_s']:8.1f} requests/s (accept + process + deliver "
              f"{result['outbound_per_request']:.1f} outbound each)")
        print(f"    end to end      p50 {percentile(latencies, 0.5) * 1000:6.1f} ms   p99 {percentile(latencies, 0.99) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
