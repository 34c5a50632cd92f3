"""The spool's commit is synced to disk before the sender is told 250."""

from __future__ import annotations

from sqlalchemy import text

from gateway.storage.db import Database


def synchronous_level(session) -> int:
    return session.execute(text("PRAGMA synchronous")).scalar()


def test_durable_units_of_work_sync_sqlite_and_others_do_not(tmp_path):
    database = Database.connect(f"sqlite:///{tmp_path / 'aplus.db'}")
    try:
        with database.begin(durable=True) as session:
            assert synchronous_level(session) == 2  # FULL: the log is synced at commit
        with database.begin() as session:
            assert synchronous_level(session) == 1  # NORMAL: crash-safe in WAL mode
    finally:
        database.dispose()
