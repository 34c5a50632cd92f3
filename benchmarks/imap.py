"""IMAP and Postfix benchmark: the other ways in, against a baseline of the same run (run by hand).

    .venv/bin/python benchmarks/imap.py [--mails 1000] [--runs 3] [--connections 4]

Needs Debian's dovecot-imapd and postfix (scripts/install-system-deps.sh) and
root (the test servers' own users); SQLite in a temporary folder, PostgreSQL
too when DATABASE_URL is set.

1. IMAP: ``--mails`` mails (about 1 KB each) already in a real Dovecot
   mailbox; one ``MailboxPoller.poll_once`` takes them all into the spool and
   moves them to ``Traités``: mails/s. In the same run, the same mails sent
   over one SMTP connection to the gateway's own receiver (the way in the
   IMAP poller is compared with): mails/s, and IMAP as a ratio of it.
2. Postfix + LMTP: the mails sent to a real Postfix (configured from
   docs/postfix.md, ``--connections`` SMTP connections) that hands them to the
   gateway's LMTP receiver; the time until the last one is in the spool.
   Baseline: the same Postfix configuration with the A+ domain routed to
   Postfix's ``discard`` transport. Acceptance ratio = discard time / LMTP time.

Each measure is taken ``--runs`` times; median then each run. Nothing here
asserts a time: the numbers go in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import smtplib
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from gateway.config import load_settings  # noqa: E402
from gateway.inbound.imap import MailboxPoller  # noqa: E402
from gateway.inbound.imap_config import mailboxes_from_settings  # noqa: E402
from gateway.inbound.smtp import GatewayController  # noqa: E402
from gateway.models import InboundMail  # noqa: E402
from gateway.storage.db import Database  # noqa: E402
from tests.support.dovecot import PASSWORD, Dovecot  # noqa: E402
from tests.support.postfix import Postfix  # noqa: E402
from tests.support.smtp_sink import SmtpSink, free_port  # noqa: E402


def bench_mail(number: int) -> bytes:
    return (
        f"From: Marie Durand <marie.{number}@example.org>\r\nTo: aplus@aplus.localhost\r\n"
        f"Subject: Demande {number} : mon RSA est suspendu\r\nMessage-ID: <bench.{number}.{time.time_ns()}@example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        + "Bonjour, mon RSA est suspendu depuis trois mois, j'habite a Marseille (13001).\r\n" * 10
    ).encode()


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[Database]:
    from tests.support.databases import fresh_database as fresh

    with fresh(kind, folder) as database:
        yield database


def spooled(database: Database) -> int:
    with database.begin() as session:
        return session.scalar(select(func.count()).select_from(InboundMail))


def settings_for(database: Database, folder: Path, **values):
    return load_settings(environ={}, data_dir=folder / "var", secret_key="bench",
                         database_url=database.engine.url.render_as_string(hide_password=False), **values)


def imap_rate(kind: str, mails: list[bytes]) -> float:
    dovecot = Dovecot().start()
    try:
        with dovecot.client() as client:
            for raw in mails:
                client.append("INBOX", raw)
        with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as database:
            settings = settings_for(database, Path(folder), imap_host="127.0.0.1", imap_port=dovecot.port,
                                    imap_user="aplus", imap_password=PASSWORD, imap_security="none")
            poller = MailboxPoller(database, settings, mailboxes_from_settings(settings)[0])
            started = time.perf_counter()
            report = poller.poll_once()
            elapsed = time.perf_counter() - started
            assert report.stored == len(mails) == spooled(database), report
        assert len(dovecot.uids("Traités")) == len(mails) and dovecot.uids("INBOX") == []
        return len(mails) / elapsed
    finally:
        dovecot.close()


def smtp_rate(kind: str, mails: list[bytes]) -> float:
    with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as database:
        settings = settings_for(database, Path(folder), smtp_port=free_port())
        controller = GatewayController(database, settings)
        controller.start()
        try:
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", settings.smtp_port) as client:
                for raw in mails:
                    client.sendmail("marie@example.org", [settings.address], raw)
            elapsed = time.perf_counter() - started
        finally:
            controller.stop()
        assert spooled(database) == len(mails)
        return len(mails) / elapsed


def send_to_postfix(port: int, mails: list[bytes], connections: int) -> None:
    def send(chunk: list[bytes]) -> None:
        with smtplib.SMTP("127.0.0.1", port) as client:
            for raw in chunk:
                client.sendmail("marie@example.org", ["aplus@aplus.localhost"], raw)

    chunks = [mails[n::connections] for n in range(connections)]
    with ThreadPoolExecutor(connections) as pool:
        list(pool.map(send, chunks))


def wait_for_delivered(postfix: Postfix, count: int) -> None:
    """Until Postfix logged ``count`` deliveries to the A+ address: measured the same way for both transports."""
    while len(re.findall(r"to=<aplus@aplus\.localhost>.*status=sent", postfix.log())) < count:
        time.sleep(0.05)


def postfix_lmtp_seconds(kind: str, mails: list[bytes], connections: int) -> float:
    sink = SmtpSink().start()
    with tempfile.TemporaryDirectory() as folder, fresh_database(kind, Path(folder)) as database:
        lmtp_port = free_port()
        settings = settings_for(database, Path(folder), smtp_port=lmtp_port, lmtp=True)
        controller = GatewayController(database, settings)
        controller.start()
        postfix = Postfix(sink_port=sink.port, lmtp_port=lmtp_port, transport="lmtp-inet").start()
        try:
            started = time.perf_counter()
            send_to_postfix(postfix.smtp_port, mails, connections)
            wait_for_delivered(postfix, len(mails))
            elapsed = time.perf_counter() - started
            assert spooled(database) == len(mails)
            return elapsed
        finally:
            postfix.close()
            controller.stop()
            sink.stop()


def postfix_discard_seconds(mails: list[bytes], connections: int) -> float:
    sink = SmtpSink().start()
    postfix = Postfix(sink_port=sink.port, transport="lmtp-inet")
    transport = postfix.etc / "aplus-transport"
    transport.write_text(re.sub(r"lmtp:inet:\S+", "discard:", transport.read_text()))
    postfix.start()
    try:
        started = time.perf_counter()
        send_to_postfix(postfix.smtp_port, mails, connections)
        wait_for_delivered(postfix, len(mails))
        return time.perf_counter() - started
    finally:
        postfix.close()
        sink.stop()


def spread(values: list[float], digits: int = 0) -> str:
    return f"{statistics.median(values):.{digits}f} ({', '.join(f'{v:.{digits}f}' for v in values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    kinds = ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL", "").startswith("postgres") else [])
    print(f"{args.mails} mails, {args.runs} runs, Python {platform.python_version()}, {os.cpu_count()} cores")
    for kind in kinds:
        imap, smtp, ratio, accept = [], [], [], []
        for _ in range(args.runs):
            mails = [bench_mail(n) for n in range(args.mails)]
            imap.append(imap_rate(kind, mails))
            smtp.append(smtp_rate(kind, mails))
            ratio.append(imap[-1] / smtp[-1])
            discard = postfix_discard_seconds(mails, args.connections)
            lmtp = postfix_lmtp_seconds(kind, mails, args.connections)
            accept.append(discard / lmtp)
        print(f"[{kind}] IMAP poll: {spread(imap)} mails/s; SMTP, one connection: {spread(smtp)} mails/s; "
              f"IMAP/SMTP: {spread(ratio, 2)}")
        print(f"[{kind}] Postfix + LMTP acceptance against Postfix + discard: {spread(accept, 2)}")


if __name__ == "__main__":
    main()
