"""The relational scope of a ticket: which organisations, areas and groups it concerns.

The routing decision is kept on the ticket as JSON (``Ticket.routing``) to be
explained; these tables hold the same facts as rows so that the admin can
filter tickets by organisation, area or group in SQL (an area manager sees the
tickets of their area), and so that statistics survive the retention purge,
which wipes texts but keeps who was involved where.

They are written when a ticket opens (``gateway.processing.scope``) and on
every invitation or removal (``gateway.processing.lifecycle``). A group that
leaves a ticket keeps its row with ``active`` false and ``removed_at`` set:
the history says it was asked.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.models.base import Base, UTCDateTime, utcnow

AREA_ROLES = ("", "origin", "destination")  # "origin"/"destination" when the person moved


class TicketOrganisation(Base):
    __tablename__ = "ticket_organisations"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class TicketArea(Base):
    __tablename__ = "ticket_areas"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(12), primary_key=True, default="")


class TicketGroup(Base):
    __tablename__ = "ticket_groups"
    __table_args__ = (Index("ix_ticket_groups_group_active", "group_id", "active"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
