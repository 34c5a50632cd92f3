"""Throw-away databases: a SQLite file, or a private schema in PostgreSQL.

Each test gets its own schema so tests (and developers running the suite at
the same time) never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, text

from gateway.config import normalise_database_url
from gateway.storage.db import Database
from gateway.models import Base
from tests.support.components import missing_component

POSTGRES_HINT = (
    "set DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test "
    "(a PostgreSQL server with trust auth and a database 'test')"
)


def postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql")) else None


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'aplus.db'}"


@contextmanager
def postgres_schema() -> Iterator[str]:
    """Create a private schema and yield a URL whose search_path points at it."""
    url = postgres_url()
    if url is None:
        missing_component("PostgreSQL", POSTGRES_HINT)
    url = normalise_database_url(url)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # server down or refusing
        admin.dispose()
        missing_component("PostgreSQL", f"{POSTGRES_HINT} ({error.__class__.__name__}: {error})")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[Database]:
    """Yield a connected, empty database of the given kind with the schema created."""
    if kind == "sqlite":
        database = Database.connect(sqlite_url(folder))
        Base.metadata.create_all(database.engine)
        try:
            yield database
        finally:
            database.dispose()
        return
    with postgres_schema() as url:
        database = Database.connect(url)
        Base.metadata.create_all(database.engine)
        try:
            yield database
        finally:
            database.dispose()
