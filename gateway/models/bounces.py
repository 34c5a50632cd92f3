"""Delivery failures reported back to us, one row per report.

A bounce used to leave two traces only: the participant's ``bouncing`` flag
(permanent failures) and an audit event; a delayed report left none. The
admin's bounce page must say which participant, which outbound mail and
whether the failure is permanent, for every report, so each one is a row here,
written by the processor in the same transaction as its other effects.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from gateway.models.base import Base, UTCDateTime, utcnow


class Bounce(Base):
    __tablename__ = "bounces"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_mail.id", ondelete="SET NULL"))
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_mail.id", ondelete="SET NULL"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(320), default="")
    status: Mapped[str] = mapped_column(String(20), default="")  # RFC 3463 code, e.g. "5.1.1"
    action: Mapped[str] = mapped_column(String(20), default="")  # RFC 3464 Action: failed, delayed, ...
    permanent: Mapped[bool] = mapped_column(Boolean, default=True)


def record_bounce(
    session: Session,
    *,
    inbound_id: int | None,
    outbound_id: int | None,
    participant_id: int | None,
    ticket_id: int | None,
    recipient: str,
    status: str,
    action: str,
    permanent: bool,
) -> Bounce:
    """Add one report to the current unit of work."""
    row = Bounce(
        inbound_id=inbound_id, outbound_id=outbound_id, participant_id=participant_id, ticket_id=ticket_id,
        recipient=recipient[:320], status=status[:20], action=action[:20], permanent=permanent,
    )
    session.add(row)
    return row
