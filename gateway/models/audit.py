"""The audit log: every change a person or the gateway makes, in order."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.models.base import Base, UTCDateTime, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(320), default="gateway")
    action: Mapped[str] = mapped_column(String(60))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    detail: Mapped[str] = mapped_column(Text, default="{}")

    @property
    def details(self) -> dict[str, Any]:
        return json.loads(self.detail or "{}")


def audit(session: Session, action: str, *, ticket_id: int | None = None, actor: str = "gateway", **detail: Any) -> None:
    """Record one event in the current unit of work."""
    session.add(AuditEvent(action=action, ticket_id=ticket_id, actor=actor, detail=json.dumps(detail, default=str)))
