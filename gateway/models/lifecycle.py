"""What the scheduler has already done, one row per reminder: the key makes it happen once.

Several ``aplus`` processes may run the scheduler (``aplus run`` on two
machines, plus a cron ``aplus tick``). Each reminder, digest or warning has a
deterministic key ("late:42", "digest:7:2026-W49"); the row is inserted in
the same transaction as the mails it causes, and the unique key makes a
second process's insert fail, so its mails roll back with it. This holds on
SQLite and PostgreSQL alike and survives restarts, since it is in the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, UTCDateTime, utcnow


class LifecycleMark(Base):
    __tablename__ = "lifecycle_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
