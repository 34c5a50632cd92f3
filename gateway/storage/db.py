"""Engine, sessions, migrations and the work-claiming helper.

One session per unit of work (``with database.begin() as session``); nothing
here keeps a session alive across mails. SQLite runs in WAL mode with a busy
timeout so the SMTP receiver, the processor and the delivery worker of one
``aplus run`` can share the file; PostgreSQL is the shared store when several
``aplus`` processes run, and workers claim rows with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import fcntl
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, Select, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker

from gateway.config import normalise_database_url

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

#: A pooled PostgreSQL connection idle longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 1.0


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the per-backend settings the gateway relies on."""
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    engine = create_engine(url, **kwargs)
    _ping_after_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def _ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use, unless it was in use a moment ago.

    A server restart leaves the pool holding dead connections; a ping at
    checkout finds them and the pool reconnects, so the first unit of work
    after an outage does not fail. SQLAlchemy's ``pool_pre_ping`` pings at
    every checkout, which was a round trip added to every batch of the SMTP
    receiver's spool writes (10 % of its samples in py-spy during
    ``benchmarks/ingest.py``'s burst). A connection returned to the pool less
    than ``idle_seconds`` ago is used without a ping; if the server went away
    within that second, the statement fails, SQLAlchemy invalidates the pool,
    and the caller's usual failure path runs (a 451 to the sender, a retry for
    a worker): nothing is lost.
    """

    @event.listens_for(engine, "checkin")
    def remember_when_idle(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle_long(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return  # a new connection, or one in use a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 - any failure means: reconnect
            raise exc.DisconnectionError("dead connection in the pool") from error
        if not alive:
            raise exc.DisconnectionError("dead connection in the pool")


def _configure_sqlite(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer; foreign keys are off by default.

    ``synchronous=NORMAL`` in WAL mode survives a crash of the process; after
    a power cut the last commits may roll back, which processing and delivery
    tolerate (the spool row rolls back with its effects and is processed
    again; a delivery may be repeated). The one promise that must survive a
    power cut, the spool's, commits with ``Database.begin(durable=True)``.
    """
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_immediate(connection) -> None:
    """Take the write lock at BEGIN: no deadlock when two writers upgrade."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class WriteTurn:
    """One writer at a time on a SQLite file, across the threads and processes using it.

    SQLite has a single writer and its busy handler *sleeps* (up to 100 ms a
    time) while another connection writes, which measured 8 mails/s at the
    SMTP receiver while the processor worked. Waiting on a lock instead wakes
    the next writer as soon as the previous one commits: a ``threading.RLock``
    for the threads of this process, then ``flock`` on a file beside the
    database for the other processes (``aplus run`` runs its receiver,
    processor and delivery worker as three; ``aplus ingest`` may run beside
    them). Re-entrant within a thread, like the units of work it guards.
    """

    def __init__(self, lock_path: Path | None) -> None:
        self._threads = threading.RLock()
        self._lock_path = lock_path
        self._file = None
        self._depth = 0

    def __enter__(self) -> "WriteTurn":
        self._threads.acquire()
        try:
            if self._depth == 0 and self._lock_path is not None:
                if self._file is None:
                    self._file = open(self._lock_path, "a+b")  # noqa: SIM115 - kept open for the process's life
                fcntl.flock(self._file.fileno(), fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise
        self._depth += 1
        return self

    def __exit__(self, *exc_info) -> None:
        self._depth -= 1
        try:
            if self._depth == 0 and self._file is not None:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


_SQLITE_TURNS: dict[str, WriteTurn] = {}  # one per database file in this process, shared by its engines
_TURNS_GUARD = threading.Lock()


def _sqlite_turn(engine: Engine) -> WriteTurn:
    database = engine.url.database
    lock_path = Path(f"{database}.lock") if database and database != ":memory:" and not database.startswith("file:") else None
    with _TURNS_GUARD:
        return _SQLITE_TURNS.setdefault(str(engine.url), WriteTurn(lock_path))


@dataclass
class Database:
    """An engine and its session factory, passed explicitly to whoever needs them.

    On SQLite, units of work take turns (``WriteTurn``) before they BEGIN.
    """

    engine: Engine
    sessions: sessionmaker[Session]
    write_turn: WriteTurn | None = None

    @classmethod
    def connect(cls, url: str, **kwargs) -> "Database":
        engine = make_engine(url, **kwargs)
        turn = _sqlite_turn(engine) if engine.dialect.name == "sqlite" else None
        return cls(engine, sessionmaker(engine, expire_on_commit=False), turn)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def begin(self, *, durable: bool = False) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error.

        ``durable``: the commit is on disk before this returns, even across a
        power cut (SQLite syncs its log for this commit; PostgreSQL always does).
        """
        with self._writer(), self._connection(durable=durable) as connection:
            with self.sessions(bind=connection) as session, session.begin():
                yield session

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[Connection]:
        """The same unit of work in plain SQL, for the paths that run for every mail.

        The spool's insert and lease and the outbox's lease and outcome are
        single statements; through a ``Connection`` they skip the ORM session
        (measured: 2.1 -> 0.8 ms to record one delivery on SQLite).
        """
        with self._writer(), self._connection(durable=durable) as connection, connection.begin():
            yield connection

    def _writer(self):
        """This process's turn on a SQLite file (see the class docstring); nothing on PostgreSQL."""
        return self.write_turn if self.write_turn is not None else nullcontext()

    @contextmanager
    def _connection(self, *, durable: bool) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            if not (durable and self.write_turn is not None):
                yield connection
                return
            raw = connection.connection.driver_connection  # the pragma must precede BEGIN
            raw.execute("PRAGMA synchronous=FULL")
            try:
                yield connection
            finally:
                raw.execute("PRAGMA synchronous=NORMAL")

    def ping(self) -> None:
        """Raise when the database cannot be reached (used for 451 answers)."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


def claim(statement: Select, database: Database) -> Select:
    """Lock the selected rows for this worker, skipping rows others hold.

    On PostgreSQL this is ``FOR UPDATE SKIP LOCKED``, so any number of workers
    can share one queue. SQLite has one writer at a time (``BEGIN IMMEDIATE``),
    which gives the same guarantee for the processes sharing the file.
    """
    if database.is_postgres:
        return statement.with_for_update(skip_locked=True)
    return statement


def alembic_config(url: str):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", normalise_database_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema to the latest migration."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)
