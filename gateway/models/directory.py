"""The directory: organisations, areas, groups of agents and the agents.

A group is the unit routing selects: "CAF 13" is the CAF organisation for the
area 13, with its members and, optionally, a shared mailbox that receives the
mail instead of (or beside) each member.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint, event, true
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
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # off: its groups are not routed to

    groups: Mapped[list["Group"]] = relationship(back_populates="organisation")


class Area(Base):
    """A département, by INSEE code ("13", "2A", "974")."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # off: no group is routed to for it


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
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # off: never selected by routing

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
        return full_name(self.first_name, self.last_name)


def full_name(first_name: str, last_name: str) -> str:
    """How an agent is named in mails; shared with the routing snapshot, which reads columns, not objects."""
    return f"{first_name} {last_name}".strip()


MEMBERSHIP_ROLES = ("", "manager", "expert")
"""A manager or expert of a group is brought into its area's late cases (5 business days)."""


class Membership(Base):
    __tablename__ = "memberships"

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="", server_default="")  # "", "manager", "expert"

    group: Mapped[Group] = relationship(back_populates="memberships")
    agent: Mapped[Agent] = relationship(back_populates="memberships")


# -- the directory's revision ----------------------------------------------

DIRECTORY_TABLES = ("organisations", "areas", "groups", "group_areas", "memberships", "agents")
"""The tables group selection reads; any change to one of them changes the revision token."""


class DirectoryRevision(Base):
    """One row whose ``token`` changes with every change to the directory.

    Selection runs for every request while the directory changes rarely (a CSV
    import, the demo, an administrator), so routing keeps an in-memory
    snapshot of the directory and checks this token to know whether it is
    still right: one cheap query instead of a dozen per request.

    Database triggers set the token, so no writer can forget it: the ORM, a
    Core bulk import or somebody in psql. The token is random, never a
    counter: a change that rolls back may already have been seen (and a
    snapshot cached) inside its transaction, and no later committed change
    must ever produce that token again.
    """

    __tablename__ = "directory_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))


_RANDOM_TOKEN = {
    "sqlite": "lower(hex(randomblob(8)))",
    "postgresql": "md5(random()::text || clock_timestamp()::text)",
}
_TOUCH_FUNCTION = "directory_revision_touch"


def directory_revision_ddl(dialect: str) -> list[str]:
    """The statements that give a database the revision row and the triggers.

    The single source of truth for both ways a schema is made:
    ``Base.metadata.create_all`` (tests, via the DDL event below) and the
    Alembic migration 0002. Every statement is idempotent, so it can run again
    safely. A later migration that rebuilds one of ``DIRECTORY_TABLES`` on
    SQLite (Alembic's batch mode copies the table and drops the old one, and
    its triggers with it) must call this again;
    tests/routing_directory/test_directory_snapshot.py checks that a database
    upgraded to head has every trigger.

    SQLite triggers run per row (fine: the directory changes rarely).
    PostgreSQL runs one function per statement, TRUNCATE included; the
    function keeps the search_path it was created with, so a session with
    another search_path (psql by hand) still updates the right table.
    """
    if dialect not in _RANDOM_TOKEN:
        raise NotImplementedError(f"no directory revision triggers for {dialect}")
    token = _RANDOM_TOKEN[dialect]
    statements = [f"INSERT INTO directory_revision (id, token) VALUES (1, {token}) ON CONFLICT (id) DO NOTHING"]
    if dialect == "sqlite":
        for table in DIRECTORY_TABLES:
            for operation in ("INSERT", "UPDATE", "DELETE"):
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {table}_{operation.lower()}_directory_revision "
                    f"AFTER {operation} ON {table} FOR EACH ROW BEGIN "
                    f"UPDATE directory_revision SET token = {token} WHERE id = 1; END"
                )
        return statements
    statements.append(
        f"CREATE OR REPLACE FUNCTION {_TOUCH_FUNCTION}() RETURNS trigger LANGUAGE plpgsql "
        "SET search_path FROM CURRENT AS $$ BEGIN "
        f"UPDATE directory_revision SET token = {token} WHERE id = 1; RETURN NULL; END $$"
    )
    for table in DIRECTORY_TABLES:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_directory_revision ON {table}")  # no OR REPLACE before 14
        statements.append(
            f"CREATE TRIGGER {table}_directory_revision "
            f"AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {_TOUCH_FUNCTION}()"
        )
    return statements


def directory_revision_drop_ddl(dialect: str) -> list[str]:
    """Undo ``directory_revision_ddl`` (the migration's downgrade), leaving the table to the caller."""
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_{operation}_directory_revision"
            for table in DIRECTORY_TABLES for operation in ("insert", "update", "delete")
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_directory_revision ON {table}" for table in DIRECTORY_TABLES] + [
        f"DROP FUNCTION IF EXISTS {_TOUCH_FUNCTION}()"
    ]


@event.listens_for(Base.metadata, "after_create")
def _install_directory_revision(target, connection, tables=(), **_kw) -> None:
    """After ``create_all``: the revision row and the triggers, once every table they name exists.

    Listening on the metadata rather than on the table: create_all may create
    ``directory_revision`` before ``groups`` (nothing orders them), and a
    trigger needs its table.
    """
    created = {table.name for table in tables}
    if created & {DirectoryRevision.__tablename__, *DIRECTORY_TABLES}:
        for statement in directory_revision_ddl(connection.dialect.name):
            connection.exec_driver_sql(statement)
