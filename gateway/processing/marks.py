"""Do something once: claim its key in ``lifecycle_marks`` inside the current transaction.

The claim is a savepoint around one INSERT: when another process already
claimed the key (committed, or committing while we wait on PostgreSQL's row
lock), the unique constraint fails, the savepoint rolls back and the caller
simply skips; its own transaction goes on unharmed.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.models import LifecycleMark, utcnow


def claim(session: Session, key: str, *, ticket_id: int | None = None) -> bool:
    """True when this transaction is the first to claim ``key`` (the caller then does the thing)."""
    if session.scalar(select(LifecycleMark.id).where(LifecycleMark.key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(LifecycleMark(key=key[:200], ticket_id=ticket_id, done_at=utcnow()))
        return True
    except IntegrityError:
        return False


def claimed(session: Session, key: str) -> bool:
    return session.scalar(select(LifecycleMark.id).where(LifecycleMark.key == key)) is not None
