"""Scale benchmark: the cost of one mail at 1,000, 10,000 and 100,000 tickets already stored (run by hand).

    .venv/bin/python benchmarks/scale.py [--sizes 1000,10000,100000] [--mails 40] [--rounds 3] [--folder DIR] [--keep]
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/scale.py ...

One database per size (SQLite files in ``--folder``, or one PostgreSQL schema
each when DATABASE_URL is set), created by the migrations with the demo
directory, then filled with ``tests.support.history`` (Core bulk inserts:
3-8 messages and 5 participants per ticket, each message received once and
relayed to four people) and analysed. Filled databases are kept in
``--folder`` (``--keep`` keeps the PostgreSQL schemas) and reused by the next
invocation, so a rerun measures without refilling.

Then, in rounds, ``--mails`` mails of each kind and size go through the real
processor, one at a time, the sizes interleaved mail by mail (so that the
machine's drift, a third within minutes here, falls on all sizes alike):
spool (``enqueue``),
``process_next`` (understand, thread, route, store, fan-out to the outbox)
and delivery of what it queued to a transport that keeps nothing. Kinds:

* ``request``: a new 3.7 KB French request (opens a ticket, 5 mails out);
* ``token``: a requester of a stored ticket replies to their personal address;
* ``references``: an agent of a stored ticket replies to the public address,
  found by In-Reply-To / References.

Printed: median ms per mail per kind and size, the ratio of each size to the
smallest *in the same round*, and bytes per ticket (whole database divided
by tickets, for the pipeline's own tickets: measured on a separate fresh
database that only the pipeline wrote, with raw compression on and off).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from gateway import addresses  # noqa: E402
from gateway.cli.database import prepare  # noqa: E402
from gateway.config import load_settings, normalise_database_url  # noqa: E402
from gateway.models import Message, Participant, Ticket  # noqa: E402
from gateway.outbound.outbox import deliver_due  # noqa: E402
from gateway.processing.processor import process_next, warm_up  # noqa: E402
from gateway.storage import compression, spool, statistics as planner  # noqa: E402
from gateway.storage.db import Database  # noqa: E402
from tests.support.history import fill_history  # noqa: E402

PARAGRAPH = (
    "Bonjour, je me permets de vous écrire car mon dossier RSA est bloqué à la CAF des Bouches-du-Rhône "
    "depuis mon déménagement de Paris à Marseille (13001). J'ai envoyé tous les justificatifs demandés. "
)


class NullTransport:
    """Delivery that keeps nothing: the relay is not what this benchmark measures."""

    def send(self, envelope_from: str, recipient: str, raw: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def request_mail(number: int) -> bytes:
    body = (PARAGRAPH * 19)[:3500] + f"\r\nRéférence personnelle {number}.\r\n"
    return (
        f"From: Personne {number} <personne{number}.{os.getpid()}@bench.example>\r\nTo: aplus@aplus.localhost\r\n"
        f"Subject: =?utf-8?q?RSA_bloqu=C3=A9?= {number}\r\nMessage-ID: <req{number}.{time.time_ns()}@bench.example>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + body
    ).encode("utf-8")


def reply_mail(sender: str, to: str, *, in_reply_to: str = "", references: str = "", number: int = 0) -> bytes:
    threading = f"In-Reply-To: {in_reply_to}\r\nReferences: {references}\r\n" if in_reply_to else ""
    return (
        f"From: <{sender}>\r\nTo: {to}\r\nSubject: Re: suivi de mon dossier\r\n"
        f"Message-ID: <rep{number}.{time.time_ns()}@bench.example>\r\n{threading}"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Bonjour, merci pour votre retour, je vous envoie les pièces demandées demain.\r\n\r\n"
        "Le 3 févr. 2026 à 10:12, A+ a écrit :\r\n> " + PARAGRAPH + "\r\n"
    ).encode("utf-8")


def open_database(kind: str, folder: Path, size: int | str) -> tuple[Database, str]:
    if kind == "sqlite":
        url = f"sqlite:///{folder / f'scale-{size}.db'}"
    else:
        base = normalise_database_url(os.environ["DATABASE_URL"])
        schema = f"bench_scale_{size}"
        engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        engine.dispose()
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    return Database.connect(url), url


def settings_for(url: str, folder: Path):
    return load_settings(environ={}, data_dir=folder / "var", database_url=url, secret_key="scale-benchmark-key",
                         delivery="capture", statistics_every_mails=10_000_000)


def tickets_in(database: Database) -> int:
    with database.engine.connect() as connection:
        return connection.scalar(sa.select(sa.func.count(Ticket.id)).where(sa.func.length(Ticket.reference) == 8)) or 0


def ensure_filled(database: Database, settings, size: int) -> None:
    prepare(settings, database)
    have = tickets_in(database)
    if have >= size:
        planner.refresh(database)  # as a processor does when it starts
        print(f"  {size}: {have} tickets already there", flush=True)
        return
    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 10_000 == 0:
            print(f"    {done} / {size} tickets ({time.perf_counter() - started:.0f} s)", flush=True)

    fill_history(database, size - have, start=have, progress=progress)
    if database.is_postgres:  # what autovacuum would do in a while, now
        with database.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
    planner.refresh(database)
    print(f"  {size}: filled in {time.perf_counter() - started:.0f} s", flush=True)


def history_targets(database: Database, settings, count: int, rng: random.Random) -> list[dict]:
    """Stored tickets spread over the whole history: a requester to reply by token, an agent by References."""
    with database.begin() as session:
        total = tickets_in(database)
        targets = []
        for number in rng.sample(range(total), count):
            ticket = session.scalars(sa.select(Ticket).where(Ticket.reference == f"H{number:07d}")).one()
            people = list(session.scalars(sa.select(Participant).where(Participant.ticket_id == ticket.id)
                                          .order_by(Participant.id)))
            ids = list(session.scalars(sa.select(Message.our_message_id).where(Message.ticket_id == ticket.id)
                                       .order_by(Message.id)))
            targets.append({
                "requester": people[0].email,
                "token_address": addresses.personal_address(settings, "reply", ticket.id, people[0].id),
                "agent": people[1].email,
                "in_reply_to": ids[-1],
                "references": " ".join([f"<ticket.{ticket.reference.lower()}@{settings.domain}>", *ids[-8:]]),
            })
    return targets


def one_mail(database: Database, settings, raw: bytes, rcpt: str, transport) -> float:
    started = time.perf_counter()
    spool.enqueue(database, raw, mail_from="bench@bench.example", rcpt_tos=[rcpt])
    assert process_next(database, settings)
    deliver_due(database, settings, transport, batch=50)
    return (time.perf_counter() - started) * 1000


def measure(databases: dict, mails: int, rng: random.Random, counter: list[int]) -> dict[int, dict[str, float]]:
    """Median ms per kind and size; sizes and kinds interleaved mail by mail, so drift falls on all alike."""
    transport = NullTransport()
    targets = {size: history_targets(database, settings, 2 * mails, rng)
               for size, (database, settings) in databases.items()}
    times = {size: {"request": [], "token": [], "references": []} for size in databases}
    for index in range(mails):
        order = list(databases) if index % 2 else list(reversed(databases))
        for size in order:
            database, settings = databases[size]
            counter[0] += 1
            times[size]["request"].append(one_mail(database, settings, request_mail(counter[0]), settings.address,
                                                   transport))
            target = targets[size][index]
            times[size]["token"].append(one_mail(database, settings, reply_mail(
                target["requester"], target["token_address"], number=counter[0]), target["token_address"], transport))
            target = targets[size][mails + index]
            times[size]["references"].append(one_mail(database, settings, reply_mail(
                target["agent"], settings.address, in_reply_to=target["in_reply_to"], references=target["references"],
                number=counter[0]), settings.address, transport))
    return {size: {kind: statistics.median(values) for kind, values in kinds.items()} for size, kinds in times.items()}


def database_bytes(database: Database) -> int:
    if database.is_postgres:
        with database.engine.connect() as connection:
            return int(connection.scalar(sa.text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind = 'r'")))
    raw = database.engine.raw_connection()  # VACUUM outside the BEGIN the engine issues
    try:
        driver = raw.driver_connection
        driver.execute("VACUUM")
        return int(driver.execute("PRAGMA page_count").fetchone()[0] * driver.execute("PRAGMA page_size").fetchone()[0])
    finally:
        raw.close()


def bytes_per_ticket(kind: str, folder: Path, method: str, tickets: int = 200) -> float:
    """A fresh database written only by the pipeline: ``tickets`` requests, each with two replies."""
    compression.configure(method)
    _drop_bytes_database(kind, folder, method)  # always a fresh schema, from the migrations of this checkout
    database, url = open_database(kind, folder, f"bytes_{method}")
    settings = settings_for(url, folder)
    try:
        prepare(settings, database)
        empty = database_bytes(database)
        transport = NullTransport()
        for number in range(tickets):
            one_mail(database, settings, request_mail(900_000 + number), settings.address, transport)
        with database.begin() as session:
            rows = session.execute(sa.select(Ticket.id, Participant.id, Participant.email).join(
                Participant, Participant.ticket_id == Ticket.id).where(Participant.role == "requester")).all()
        for ticket_id, participant_id, email in rows:
            address = addresses.personal_address(settings, "reply", ticket_id, participant_id)
            for _ in range(2):
                one_mail(database, settings, reply_mail(email, address, number=ticket_id), address, transport)
        return (database_bytes(database) - empty) / tickets
    finally:
        database.dispose()
        compression.configure("auto")


def _drop_bytes_database(kind: str, folder: Path, method: str) -> None:
    if kind == "sqlite":
        for path in folder.glob(f"scale-bytes_{method}.db*"):
            path.unlink()
        return
    engine = sa.create_engine(normalise_database_url(os.environ["DATABASE_URL"]), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "bench_scale_bytes_{method}" CASCADE'))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--mails", type=int, default=40, help="mails of each kind per size and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "aplus-scale")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schemas for the next run")
    parser.add_argument("--fill-only", action="store_true")
    parser.add_argument("--no-bytes", action="store_true")
    args = parser.parse_args()
    kind = "postgres" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    sizes = [int(s) for s in args.sizes.split(",")]
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"backend: {kind}, sizes: {sizes}, {args.mails} mails of each kind per size and round", flush=True)
    databases = {}
    for size in sizes:
        database, url = open_database(kind, args.folder, size)
        settings = settings_for(url, args.folder)
        ensure_filled(database, settings, size)
        databases[size] = (database, settings)
    if args.fill_only:
        return
    for database, settings in databases.values():
        warm_up(database, settings)
    rng = random.Random(13)
    counter = [0]
    results: list[dict[int, dict[str, float]]] = []
    for round_number in range(1, args.rounds + 1):
        row = measure(databases, args.mails, rng, counter)
        results.append(row)
        print(f"round {round_number}: " + "; ".join(
            f"{size}: " + ", ".join(f"{k} {v:.1f} ms" for k, v in row[size].items()) for size in sizes), flush=True)
    smallest = sizes[0]
    print("\nmedian ms per mail (median over rounds) and ratio to the smallest size (each round's own ratio, min-max)")
    for size in sizes:
        cells = []
        for kind_name in ("request", "token", "references"):
            ms = statistics.median(r[size][kind_name] for r in results)
            ratios = [r[size][kind_name] / r[smallest][kind_name] for r in results]
            cells.append(f"{kind_name} {ms:.1f} ms x{statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})")
        print(f"  {size:>7} tickets: " + "; ".join(cells))
    if not args.no_bytes:
        for method in ("none", "zlib", "auto"):
            print(f"bytes per ticket (request + 2 replies, 5 participants), raw compression {method}: "
                  f"{bytes_per_ticket(kind, args.folder, method):,.0f}", flush=True)
    for database, _ in databases.values():
        database.dispose()
    if kind == "postgres" and not args.keep:
        engine = sa.create_engine(normalise_database_url(os.environ["DATABASE_URL"]), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for size in sizes:
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "bench_scale_{size}" CASCADE'))
            for method in ("none", "zlib", "auto"):
                connection.execute(sa.text(f'DROP SCHEMA IF EXISTS "bench_scale_bytes_{method}" CASCADE'))
        engine.dispose()


if __name__ == "__main__":
    main()
