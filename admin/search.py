"""``?q=WORDS``: which tickets mention all these words, in their subject or their messages.

Built on the database's own full-text search (see gateway/models/search.py):
FTS5 on SQLite, ``to_tsvector('french', ...)`` on PostgreSQL. The words typed
are never passed as query syntax: each becomes a quoted term (SQLite, as a
prefix so "bloqu" finds "bloqué" and "bloquée") or goes through
``plainto_tsquery`` (PostgreSQL), so quotes, ``OR``, ``NEAR`` or ``*`` in a
search are just characters.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, func, literal_column, select, text, union
from sqlalchemy.sql.elements import ColumnElement

from gateway.models import Message, Ticket
from gateway.models.search import FTS_TABLE, pg_text_vector

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(words: str) -> list[str]:
    return _WORD.findall(words or "")[:MAX_TERMS]


def matches(words: str, dialect: str) -> ColumnElement[bool] | None:
    """The condition "this ticket matches every word", or None when there is nothing to look for."""
    terms = search_terms(words)
    if not terms:
        return None
    if dialect == "postgresql":
        tsquery = func.plainto_tsquery(literal_column("'french'::regconfig"), " ".join(terms))
        # The vectors are written out exactly as indexed (constants inline), so the GIN indexes serve.
        in_messages = select(Message.ticket_id).where(
            literal_column(pg_text_vector("messages.text")).op("@@")(tsquery))
        # One IN over a UNION, each side through its own GIN index: "subject @@ q OR id IN (...)" made
        # PostgreSQL compute the subject's vector for every ticket (benchmarks/admin.py: 671 -> 33 ms).
        in_subjects = select(literal_column("subject_match.id")).select_from(text("tickets AS subject_match")).where(
            literal_column(pg_text_vector("subject_match.subject")).op("@@")(tsquery))
        return Ticket.id.in_(union(in_subjects, in_messages))
    expression = " ".join('"' + term.replace('"', '""') + '"*' for term in terms)
    found = text(f"SELECT ticket_id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :search_expression").bindparams(
        bindparam("search_expression", expression)).columns(literal_column("ticket_id"))
    return Ticket.id.in_(found)
