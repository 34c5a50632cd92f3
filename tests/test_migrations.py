"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from gateway.storage.db import Database, alembic_config, upgrade
from tests.support.databases import postgres_schema, sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_schema() as url:
            yield url


def test_upgrade_creates_every_table_and_matches_the_models(empty_url):
    upgrade(empty_url)
    database = Database.connect(empty_url)
    tables = set(inspect(database.engine).get_table_names())
    database.dispose()
    assert {"tickets", "participants", "messages", "inbound_mail", "outbound_mail", "groups", "agents"} <= tables
    # alembic check raises when the models and the migrations disagree
    command.check(alembic_config(empty_url))


def test_upgrade_twice_is_harmless(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)


def test_upgrade_marks_old_raw_mail_that_starts_with_nul_so_it_still_reads_back(empty_url):
    """Migration 0004: rows written before compression stay readable, even a hostile one starting with NUL."""
    from sqlalchemy import select, text

    from gateway.models import InboundMail

    upgrade(empty_url, "0003")
    database = Database.connect(empty_url)
    try:
        with database.engine.begin() as connection:
            for raw in (b"\x00z\x01not zlib", b"Subject: plain\r\n\r\nold row"):
                connection.execute(text(
                    "INSERT INTO inbound_mail (raw, sha256, size, mail_from, rcpt_tos, source, peer, received_at, state, "
                    "attempts, next_attempt_at, error, outcome) VALUES (:raw, 'x', 1, '', '', 'smtp', '', :now, 'done', "
                    "0, :now, '', '')"), {"raw": raw, "now": "2026-01-01 00:00:00"})
        upgrade(empty_url)
        with database.begin() as session:
            assert list(session.scalars(select(InboundMail.raw).order_by(InboundMail.id))) == [
                b"\x00z\x01not zlib", b"Subject: plain\r\n\r\nold row"]
        command.downgrade(alembic_config(empty_url), "0003")
        with database.engine.connect() as connection:
            assert [bytes(r) for (r,) in connection.execute(text("SELECT raw FROM inbound_mail ORDER BY id"))] == [
                b"\x00z\x01not zlib", b"Subject: plain\r\n\r\nold row"]
    finally:
        database.dispose()
