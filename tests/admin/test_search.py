"""Full-text search kept right by the database: after migrations, on writes, on the retention wipe."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text, update

from admin.search import matches
from gateway.models import Message, Ticket
from gateway.storage.db import Database, alembic_config, upgrade
from tests.support.databases import postgres_schema, sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_schema() as url:
            yield url


def found(database: Database, words: str) -> list[str]:
    with database.begin() as session:
        condition = matches(words, database.engine.dialect.name)
        return sorted(session.scalars(select(Ticket.reference).where(condition)))


def test_rows_from_before_the_migration_are_searchable_and_writes_keep_the_index_right(empty_url):
    upgrade(empty_url, "0007")
    database = Database.connect(empty_url)
    try:
        with database.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO tickets (reference, subject, status, created_at, routing, note) "
                "VALUES ('OLD111', 'Pension de réversion', 'open', '2026-01-01 00:00:00', '{}', '')"))
            connection.execute(text(
                "INSERT INTO messages (ticket_id, visibility, kind, text, trimmed, elided, our_message_id, source, created_at) "
                "SELECT id, 'public', 'message', 'La CARSAT ne répond plus depuis janvier.', '', '', '', 'mail', "
                "'2026-01-01 00:00:00' FROM tickets"))
        upgrade(empty_url)
        assert found(database, "réversion") == ["OLD111"]
        assert found(database, "carsat janvier") == ["OLD111"]
        with database.begin() as session:
            ticket = Ticket(reference="NEW222", subject="Carte vitale perdue")
            ticket.messages.append(Message(text="Ma carte vitale est perdue, la CPAM du Var (83) ne répond pas."))
            session.add(ticket)
        assert found(database, "vitale") == ["NEW222"]
        assert found(database, "répond") == ["NEW222", "OLD111"]
        with database.begin() as session:  # what the retention purge does: texts wiped
            session.execute(update(Message).values(text=""))
            session.execute(update(Ticket).values(subject=""))
        assert found(database, "vitale") == [] and found(database, "carsat") == []
        command.check(alembic_config(empty_url))  # the search objects are invisible to alembic check
        command.downgrade(alembic_config(empty_url), "0007")
        upgrade(empty_url)
    finally:
        database.dispose()


def test_a_huge_message_is_stored_and_its_beginning_searchable(database):
    words = " ".join(f"mot{n}" for n in range(250_000))  # ~2.4 MB of distinct words: beyond a tsvector's 1 MB
    with database.begin() as session:
        ticket = Ticket(reference="BIG333", subject="Très long")
        ticket.messages.append(Message(text="Début lisible : allocation. " + words))
        session.add(ticket)
    assert found(database, "allocation") == ["BIG333"]
