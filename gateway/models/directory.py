"""The directory: organisations, areas, groups of agents and the agents.

A group is the unit routing selects: "CAF 13" is the CAF organisation for the
area 13, with its members and, optionally, a shared mailbox that receives the
mail instead of (or beside) each member.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gateway.models.base import Base, UTCDateTime, utcnow

group_areas = Table(
    "group_areas",
    Base.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # catalog code: CAF, CPAM, ...
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[str] = mapped_column(String(2000), default="")  # extra aliases, one per line

    groups: Mapped[list["Group"]] = relationship(back_populates="organisation")


class Area(Base):
    """A département, by INSEE code ("13", "2A", "974")."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Group(Base):
    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    mailbox: Mapped[str | None] = mapped_column(String(320))  # shared mailbox (BAL)
    is_national: Mapped[bool] = mapped_column(Boolean, default=False)
    is_triage: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="groups")
    areas: Mapped[list[Area]] = relationship(secondary=group_areas)
    memberships: Mapped[list["Membership"]] = relationship(back_populates="group", cascade="all, delete-orphan")

    @property
    def agents(self) -> list["Agent"]:
        return [m.agent for m in self.memberships if m.agent.active]


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)  # stored lower-case
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="agent", cascade="all, delete-orphan")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Membership(Base):
    __tablename__ = "memberships"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)

    group: Mapped[Group] = relationship(back_populates="memberships")
    agent: Mapped[Agent] = relationship(back_populates="memberships")
