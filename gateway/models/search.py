"""Full-text search over tickets' subjects and message texts, kept in sync by the database itself.

* SQLite: an FTS5 table ``ticket_search`` (``unicode61`` tokenizer without
  diacritics, so "bloque" finds "bloqué"), filled by triggers on ``tickets``
  and ``messages``: every writer (the processor, the admin, a Core bulk
  insert, the retention purge that wipes texts) keeps it right without
  thinking of it. Row ids: ``2 * message id`` for a message, ``2 * ticket id
  + 1`` for a ticket's subject.
* PostgreSQL: GIN expression indexes on ``to_tsvector('french', ...)`` of the
  same columns (stemming: "bloquée" finds "bloqué"); nothing to keep in sync.

Only the first ``INDEXED_CHARS`` of a text are indexed: a mail of megabytes of
distinct words would otherwise overflow PostgreSQL's tsvector (an error at
insert, i.e. a mail that cannot be stored). Search reaches the words a person
reads; what lies beyond is still shown on the ticket's page.

These objects are not SQLAlchemy tables (Alembic's ``alembic check`` is told
to ignore them, see ``gateway/migrations/env.py``); ``search_ddl`` is the one
source for ``create_all`` (tests, through the event below) and for migration
0008. A later migration that rebuilds ``messages`` or ``tickets`` on SQLite
(batch mode copies and drops the table, its triggers with it) must run
``search_ddl`` again; tests/admin/test_search.py checks an upgraded database.
"""

from __future__ import annotations

from sqlalchemy import event

from gateway.models.base import Base

INDEXED_CHARS = 100_000
FTS_TABLE = "ticket_search"
PG_INDEXES = ("ix_messages_text_search", "ix_tickets_subject_search")
SEARCH_OBJECTS = frozenset({FTS_TABLE, *(f"{FTS_TABLE}_{suffix}" for suffix in ("data", "idx", "content", "docsize", "config")), *PG_INDEXES})


def pg_text_vector(column: str) -> str:
    """The indexed expression; queries must use the very same one for the index to serve."""
    return f"to_tsvector('french'::regconfig, left(coalesce({column}, ''), {INDEXED_CHARS}))"


def search_ddl(dialect: str) -> list[str]:
    """Idempotent statements creating the search objects (and indexing what exists already)."""
    if dialect == "postgresql":
        return [
            f"CREATE INDEX IF NOT EXISTS {PG_INDEXES[0]} ON messages USING gin (({pg_text_vector('text')}))",
            f"CREATE INDEX IF NOT EXISTS {PG_INDEXES[1]} ON tickets USING gin (({pg_text_vector('subject')}))",
        ]
    if dialect != "sqlite":
        raise NotImplementedError(f"no full-text search for {dialect}")
    message_row = f"substr(coalesce(new.text, ''), 1, {INDEXED_CHARS})"
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
        "ticket_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS messages_search_insert AFTER INSERT ON messages BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, body) VALUES (2 * new.id, new.ticket_id, {message_row}); END",
        f"CREATE TRIGGER IF NOT EXISTS messages_search_update AFTER UPDATE OF text ON messages BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = 2 * old.id; "
        f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, body) VALUES (2 * new.id, new.ticket_id, {message_row}); END",
        f"CREATE TRIGGER IF NOT EXISTS messages_search_delete AFTER DELETE ON messages BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = 2 * old.id; END",
        f"CREATE TRIGGER IF NOT EXISTS tickets_search_insert AFTER INSERT ON tickets BEGIN "
        f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, body) VALUES (2 * new.id + 1, new.id, coalesce(new.subject, '')); END",
        f"CREATE TRIGGER IF NOT EXISTS tickets_search_update AFTER UPDATE OF subject ON tickets BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = 2 * old.id + 1; "
        f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, body) VALUES (2 * new.id + 1, new.id, coalesce(new.subject, '')); END",
        f"CREATE TRIGGER IF NOT EXISTS tickets_search_delete AFTER DELETE ON tickets BEGIN "
        f"DELETE FROM {FTS_TABLE} WHERE rowid = 2 * old.id + 1; END",
    ]


def search_backfill_ddl(dialect: str) -> list[str]:
    """Index the rows written before the search existed (SQLite; PostgreSQL's indexes build themselves)."""
    if dialect != "sqlite":
        return []
    return [
        f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, body) SELECT 2 * id, ticket_id, "
        f"substr(coalesce(text, ''), 1, {INDEXED_CHARS}) FROM messages",
        f"INSERT INTO {FTS_TABLE}(rowid, ticket_id, body) SELECT 2 * id + 1, id, coalesce(subject, '') FROM tickets",
    ]


def search_drop_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP INDEX IF EXISTS {name}" for name in PG_INDEXES]
    triggers = [f"{table}_search_{operation}" for table in ("messages", "tickets") for operation in ("insert", "update", "delete")]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in triggers] + [f"DROP TABLE IF EXISTS {FTS_TABLE}"]


@event.listens_for(Base.metadata, "after_create")
def _install_search(target, connection, tables=(), **_kw) -> None:
    """After ``create_all`` made ``messages`` and ``tickets``: their search objects."""
    created = {table.name for table in tables}
    if {"messages", "tickets"} <= created:
        for statement in search_ddl(connection.dialect.name):
            connection.exec_driver_sql(statement)
