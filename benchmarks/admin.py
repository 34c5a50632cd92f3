"""Admin benchmark: server time of the ticket list and of a ticket page over 100,000 tickets (run by hand).

    .venv/bin/python benchmarks/admin.py [--tickets 100000] [--requests 40] [--backend sqlite|postgres|both]
                                          [--keep DIR]

Fills a database (``benchmarks/admin_fill.py``: 100,000 tickets, 3-8
messages each, 5 participants) on SQLite and, with ``--backend postgres`` or
``both``, on PostgreSQL (``DATABASE_URL``, in a database of its own that is
dropped afterwards unless ``--keep``), then measures with Flask's test client
the server time of each request, logged in as an admin and as an area
manager (area 13 x CAF): the list without filter, with filters, with a
search, a far page, and ticket pages. ``--keep DIR`` keeps (and reuses) the
SQLite file and the PostgreSQL database between runs: filling takes minutes.

Goals (the issue's): p95 < 50 ms for a list, < 100 ms for a ticket page.
Each figure is also given as a ratio of a baseline measured in the same run
on the same app, the 404 page of a logged-in account (session lookup,
template, no ticket query), since this machine's speed drifts. Nothing here
asserts a time: the table goes into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from admin import create_app  # noqa: E402
from admin.sessions import open_session  # noqa: E402
from benchmarks.admin_fill import fill  # noqa: E402
from gateway.config import load_settings, normalise_database_url  # noqa: E402
from gateway.models import Account, AccountScope, Area, Organisation, Ticket  # noqa: E402
from gateway.storage.db import Database, upgrade  # noqa: E402

LIST_GOAL_MS, PAGE_GOAL_MS = 50.0, 100.0
PG_DATABASE = "aplus_bench_admin"


def scenarios(organisation_id: int, area_id: int) -> list[tuple[str, str, str]]:
    """(kind, label, path) of the requests measured; the ticket pages are added per request."""
    return [
        ("list", "liste sans filtre", "/tickets"),
        ("list", "liste, statut en cours", "/tickets?status=open"),
        ("list", "liste, organisme + territoire", f"/tickets?organisation={organisation_id}&area={area_id}"),
        ("list", "liste, en retard, plus anciens d'abord", "/tickets?late=1&sort=ancien"),
        ("list", "liste, recherche d'un mot", "/tickets?q=déménagement"),
        ("list", "liste, recherche de deux mots + statut", "/tickets?q=pension+carrière&status=closed"),
        ("list", "liste, recherche d'un mot rare", "/tickets?q=quimperlé17"),
        ("list", "liste, page 200", "/tickets?page=200"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40, help="requests per scenario and account")
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--keep", type=Path, default=None, help="folder where the filled SQLite file is kept")
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
    print(f"commit: {_commit()}")
    backends = ("sqlite", "postgres") if args.backend == "both" else (args.backend,)
    for backend in backends:
        with _database(backend, args.keep) as (url, fresh):
            database = Database.connect(url)
            try:
                if fresh or _count(database) != args.tickets:
                    print(f"\n[{backend}] filling {args.tickets} tickets...")
                    started = time.monotonic()
                    counts = fill(database, tickets=args.tickets, progress=lambda line: print(line, flush=True))
                    print(f"[{backend}] filled in {time.monotonic() - started:.0f} s: {counts}")
                _measure(backend, url, database, args.requests)
            finally:
                database.dispose()


def _measure(backend: str, url: str, database: Database, requests: int) -> None:
    settings = load_settings(environ={}, data_dir=Path(tempfile.mkdtemp(prefix="aplus-bench-")), database_url=url,
                             secret_key="benchmark-secret", admin_secure_cookies=False)
    app = create_app(settings, database)
    with database.begin() as session:
        organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == "CAF"))
        area_id = session.scalar(select(Area.id).where(Area.code == "13"))
        references = list(session.scalars(select(Ticket.reference).order_by(Ticket.id)))
    rng = random.Random(7)
    rows = []
    for role in ("admin", "manager"):
        client = _client(app, database, settings, role, organisation_id, area_id)
        baseline = _times(client, ["/page-inexistante"] * requests, expected=404)
        visible = _visible_references(client, references, rng) if role == "manager" else references
        pages = [f"/tickets/{rng.choice(visible)}" for _ in range(requests)]
        for kind, label, path in [*scenarios(organisation_id, area_id), ("page", "page d'un ticket", None)]:
            times = _times(client, pages if path is None else [path] * requests)
            rows.append((role, kind, label, times, baseline))
    _print_table(backend, rows)


def _visible_references(client, references: list[str], rng: random.Random) -> list[str]:
    """Tickets the manager may open, found through the list itself (its scope is SQL, so is this)."""
    html = client.get("/tickets?organisation=1").get_data(as_text=True)
    import re

    found = re.findall(r'href="/tickets/(B\d{7})"', html)
    return found or references[:1]


def _client(app, database: Database, settings, role: str, organisation_id: int, area_id: int):
    email = f"bench-{role}@aplus.example.gouv.fr"
    with database.begin() as session:
        account = session.scalar(select(Account).where(Account.email == email))
        if account is None:
            account = Account(email=email, role=role, active=True, password_hash="")
            if role == "manager":
                account.scopes = [AccountScope(area_id=area_id, organisation_id=organisation_id)]
            session.add(account)
            session.flush()
        token = open_session(session, settings, account, client_address="127.0.0.1", user_agent="benchmark",
                             method="password")
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie["sid"] = token
    return client


def _times(client, paths: list[str], *, expected: int = 200) -> list[float]:
    """Milliseconds per request, after two unmeasured warm-up requests."""
    for path in paths[:2]:
        client.get(path)
    measured = []
    for path in paths:
        started = time.perf_counter()
        answer = client.get(path)
        measured.append((time.perf_counter() - started) * 1000)
        if answer.status_code != expected:
            raise SystemExit(f"{path}: {answer.status_code} (expected {expected})")
    return measured


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def _print_table(backend: str, rows) -> None:
    print(f"\n[{backend}] server time per request, ms (p50 / p95 / max; ratio = p95 / baseline p95)")
    print("| compte | requête | p50 | p95 | max | objectif p95 | ratio |")
    print("|---|---|---|---|---|---|---|")
    for role, kind, label, times, baseline in rows:
        goal = LIST_GOAL_MS if kind == "list" else PAGE_GOAL_MS
        p95 = _p95(times)
        mark = "ok" if p95 < goal else "MANQUÉ"
        print(f"| {role} | {label} | {statistics.median(times):.1f} | {p95:.1f} | {max(times):.1f} | "
              f"< {goal:.0f} ({mark}) | {p95 / _p95(baseline):.1f} |")
    baseline_rows = {role: baseline for role, _, _, _, baseline in rows}
    for role, baseline in baseline_rows.items():
        print(f"| {role} | référence : page 404 | {statistics.median(baseline):.1f} | {_p95(baseline):.1f} | "
              f"{max(baseline):.1f} | — | 1.0 |")


def _count(database: Database) -> int:
    try:
        with database.begin() as session:
            return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)
    except Exception:
        return -1


@contextmanager
def _database(backend: str, keep: Path | None) -> Iterator[tuple[str, bool]]:
    """The URL of the benchmark's database, migrated to head, and whether it was just created."""
    if backend == "sqlite":
        folder = keep or Path(tempfile.mkdtemp(prefix="aplus-bench-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "admin-bench.db"
        fresh = not path.exists()
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url, fresh
        return
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("PostgreSQL : définissez DATABASE_URL (par exemple postgresql://postgres@127.0.0.1:5432/test).")
    server = create_engine(normalise_database_url(base), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE})
        if exists and keep is None:
            connection.execute(text(f'DROP DATABASE "{PG_DATABASE}"'))
            exists = None
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    url = normalise_database_url(base).rsplit("/", 1)[0] + f"/{PG_DATABASE}"
    upgrade(url)
    try:
        yield url, not exists
    finally:
        if keep is None:
            with server.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        server.dispose()


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "inconnu"


if __name__ == "__main__":
    main()
