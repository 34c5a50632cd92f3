"""The lookups made for every request use an index, on both backends (no scan that grows with history)."""

from __future__ import annotations

from sqlalchemy import select, text

from gateway.models import Participant


def plan(database, statement) -> str:
    """The backend's query plan; PostgreSQL is told to avoid scans, as it would on a big table."""
    with database.engine.connect() as connection:
        if database.engine.dialect.name == "sqlite":
            prefix = "EXPLAIN QUERY PLAN "
        else:
            prefix = "EXPLAIN "
            connection.execute(text("SET enable_seqscan = off"))
        compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
        rows = connection.execute(text(prefix + str(compiled)))
        return "\n".join(" ".join(str(column) for column in row) for row in rows)


def test_participants_are_found_by_address_through_an_index(database):
    statement = select(Participant.id).where(Participant.email == "marie.durand@example.org")
    found = plan(database, statement)
    assert "ix_participants_email_created_at" in found, found
