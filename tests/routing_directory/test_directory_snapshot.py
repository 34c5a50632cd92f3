"""The directory's revision token and the snapshot selection reads, on each backend.

The token is what tells a process its cached snapshot is stale, so every way
of writing the directory must change it: the ORM, a raw SQL statement, a
migrated database as well as one made by ``create_all``.
"""

from __future__ import annotations

from typing import Callable

import pytest
from sqlalchemy import create_engine, inspect, select, text

from gateway.config import normalise_database_url
from gateway.storage.db import Database, upgrade
from gateway.models import Agent, Area, AuditEvent, DirectoryRevision, Group, Membership, Organisation
from gateway.models.directory import DIRECTORY_TABLES
from routing.directory.selection import select_groups
from routing.directory.snapshot import AgentView, GroupView, current_snapshot, revision_token
from tests.routing_directory.builders import area, decision, group
from tests.support.databases import fresh_database, postgres_schema, postgres_url, sqlite_url

DEFAULT = "Équipe nationale A+"


def token(database: Database) -> str:
    with database.begin() as session:
        return revision_token(session)


@pytest.fixture
def directory(database):
    """A small committed directory: MSA 13 (one agent) before Triage 13, and a spare area."""
    return fill_directory(database)


@pytest.fixture
def postgres_directory(postgres_database):
    """The same directory, on PostgreSQL only (for what only PostgreSQL has)."""
    return fill_directory(postgres_database)


def fill_directory(database: Database) -> Database:
    with database.begin() as session:
        group(session, DEFAULT, triage=True, national=True)
        group(session, "MSA 13", org="MSA", areas=("13",), agents=("conseiller", "absent"))
        group(session, "Triage 13", triage=True, areas=("13",))
        group(session, "CAF 75", org="CAF", areas=("75",), mailbox="bal@caf75.example", agents=())
        area(session, "93")
        session.scalar(select(Agent).where(Agent.email.startswith("absent."))).active = False
    return database


# -- the token changes with every write --------------------------------------

def _ids(session) -> dict[str, int]:
    return {
        "msa": session.scalar(select(Group.id).where(Group.name == "MSA 13")),
        "triage": session.scalar(select(Group.id).where(Group.name == "Triage 13")),
        "default": session.scalar(select(Group.id).where(Group.name == DEFAULT)),
        "a75": session.scalar(select(Area.id).where(Area.code == "75")),
        "a93": session.scalar(select(Area.id).where(Area.code == "93")),
    }


def _msa_areas(session, ids) -> list[Area]:
    group = session.get(Group, ids["msa"])
    session.info["keep"] = group  # the collection's owner must outlive the lambda
    return group.areas


def _new_agent(session) -> int:
    agent = Agent(email="nouveau@msa.example", first_name="Nouveau", last_name="Agent")
    session.add(agent)
    session.flush()
    return agent.id


# For each table: an insert, an update and a delete, first through the ORM, then in SQL.
ORM_CHANGES: dict[str, list[Callable]] = {
    "organisations": [
        lambda s, i: s.add(Organisation(code="NEW", name="Nouvelle")),
        lambda s, i: setattr(s.scalar(select(Organisation).where(Organisation.code == "NEW")), "name", "Autre"),
        lambda s, i: s.delete(s.scalar(select(Organisation).where(Organisation.code == "NEW"))),
    ],
    "areas": [
        lambda s, i: s.add(Area(code="99", name="Nulle part")),
        lambda s, i: setattr(s.scalar(select(Area).where(Area.code == "99")), "name", "Ailleurs"),
        lambda s, i: s.delete(s.scalar(select(Area).where(Area.code == "99"))),
    ],
    "groups": [
        lambda s, i: s.add(Group(name="Nouveau groupe")),
        lambda s, i: setattr(s.scalar(select(Group).where(Group.name == "Nouveau groupe")), "mailbox", "bal@x.example"),
        lambda s, i: s.delete(s.scalar(select(Group).where(Group.name == "Nouveau groupe"))),
    ],
    "group_areas": [  # an association row is never updated by the ORM: insert, then delete
        lambda s, i: _msa_areas(s, i).append(s.get(Area, i["a75"])),
        lambda s, i: _msa_areas(s, i).remove(s.get(Area, i["a75"])),
    ],
    "memberships": [
        lambda s, i: s.add(Membership(group_id=i["msa"], agent_id=_new_agent(s))),
        lambda s, i: s.delete(s.scalar(select(Membership).join(Agent).where(Agent.email == "nouveau@msa.example"))),
    ],
    "agents": [
        lambda s, i: _new_agent(s),
        lambda s, i: setattr(s.scalar(select(Agent).where(Agent.email == "nouveau@msa.example")), "active", False),
        lambda s, i: s.delete(s.scalar(select(Agent).where(Agent.email == "nouveau@msa.example"))),
    ],
}

SQL_CHANGES: dict[str, list[str]] = {
    "organisations": [
        "INSERT INTO organisations (code, name, aliases) VALUES ('NEW', 'Nouvelle', '')",
        "UPDATE organisations SET name = 'Autre' WHERE code = 'NEW'",
        "DELETE FROM organisations WHERE code = 'NEW'",
    ],
    "areas": [
        "INSERT INTO areas (code, name) VALUES ('99', 'Nulle part')",
        "UPDATE areas SET name = 'Ailleurs' WHERE code = '99'",
        "DELETE FROM areas WHERE code = '99'",
    ],
    "groups": [
        "INSERT INTO groups (name, is_national, is_triage, created_at) "
        "VALUES ('Nouveau groupe', false, false, CURRENT_TIMESTAMP)",
        "UPDATE groups SET mailbox = 'bal@x.example' WHERE name = 'Nouveau groupe'",
        "DELETE FROM groups WHERE name = 'Nouveau groupe'",
    ],
    "group_areas": [
        "INSERT INTO group_areas (group_id, area_id) VALUES (:msa, :a75)",
        "UPDATE group_areas SET area_id = :a93 WHERE group_id = :msa AND area_id = :a75",
        "DELETE FROM group_areas WHERE group_id = :msa AND area_id = :a93",
    ],
    "memberships": [
        "INSERT INTO memberships (group_id, agent_id) "
        "SELECT :triage, id FROM agents WHERE email LIKE 'absent.%'",
        "UPDATE memberships SET group_id = :default "
        "WHERE group_id = :triage AND agent_id IN (SELECT id FROM agents WHERE email LIKE 'absent.%')",
        "DELETE FROM memberships "
        "WHERE group_id = :default AND agent_id IN (SELECT id FROM agents WHERE email LIKE 'absent.%')",
    ],
    "agents": [
        "INSERT INTO agents (email, first_name, last_name, active, created_at) "
        "VALUES ('nouveau@msa.example', 'Nouveau', 'Agent', true, CURRENT_TIMESTAMP)",
        "UPDATE agents SET active = false WHERE email = 'nouveau@msa.example'",
        "DELETE FROM agents WHERE email = 'nouveau@msa.example'",
    ],
}


def test_every_directory_table_is_covered():
    assert set(ORM_CHANGES) == set(SQL_CHANGES) == set(DIRECTORY_TABLES)


@pytest.mark.parametrize("table", DIRECTORY_TABLES)
def test_every_orm_write_changes_the_token(directory, table):
    seen = [token(directory)]
    for change in ORM_CHANGES[table]:
        with directory.begin() as session:
            change(session, _ids(session))
        seen.append(token(directory))
    assert len(set(seen)) == len(seen), f"a write to {table} left the token as it was"


@pytest.mark.parametrize("table", DIRECTORY_TABLES)
def test_every_sql_write_changes_the_token(directory, table):
    seen = [token(directory)]
    for statement in SQL_CHANGES[table]:
        with directory.begin() as session:
            result = session.execute(text(statement), _ids(session) if ":" in statement else {})
            assert result.rowcount == 1  # the statement did change one row
        seen.append(token(directory))
    assert len(set(seen)) == len(seen), f"a write to {table} left the token as it was"


@pytest.mark.postgres
def test_truncate_changes_the_token_on_postgresql(postgres_directory):
    directory = postgres_directory
    before = token(directory)
    with directory.begin() as session:
        session.execute(text("TRUNCATE memberships"))
    assert token(directory) != before


@pytest.mark.postgres
def test_a_session_with_another_search_path_changes_the_token_on_postgresql(postgres_directory):
    """Somebody in psql, schema-qualifying the table: the trigger still finds the revision row."""
    directory = postgres_directory
    before = token(directory)
    with directory.begin() as session:
        schema = session.scalar(text("SELECT current_schema()"))
    by_hand = create_engine(normalise_database_url(postgres_url()))
    try:
        with by_hand.begin() as connection:
            assert connection.scalar(text("SELECT current_schema()")) != schema
            connection.execute(text(f'UPDATE "{schema}".groups SET mailbox = NULL WHERE name = \'MSA 13\''))
    finally:
        by_hand.dispose()
    assert token(directory) != before


def test_writes_elsewhere_leave_the_token_alone(directory):
    before = token(directory)
    with directory.begin() as session:
        session.add(AuditEvent(action="test.nothing"))
    assert token(directory) == before


def test_a_rolled_back_change_leaves_the_token_as_it_was(directory):
    before = token(directory)
    with directory.begin() as session:
        committed = current_snapshot(session)
    with pytest.raises(RuntimeError), directory.begin() as session:
        session.scalar(select(Agent).where(Agent.email.startswith("conseiller."))).active = False
        inside = revision_token(session)  # autoflush: the trigger ran in this transaction
        assert inside != before
        assert not current_snapshot(session).named("MSA 13").reachable  # built and cached for `inside`
        raise RuntimeError("abandon")
    assert token(directory) == before
    with directory.begin() as session:
        again = current_snapshot(session)
        assert again is committed and again.named("MSA 13").reachable


# -- the snapshot ------------------------------------------------------------

def test_snapshot_holds_groups_with_their_active_agents(directory):
    with directory.begin() as session:
        snapshot = current_snapshot(session)
        agent_id = session.scalar(select(Agent.id).where(Agent.email.startswith("conseiller.")))
    msa = snapshot.named("MSA 13")
    assert isinstance(msa, GroupView) and msa.organisation == "MSA" and msa.areas == frozenset({"13"})
    assert msa.agents == (AgentView(agent_id, "conseiller.0@msa13.example", "conseiller MSA 13"),)
    assert msa.reachable and not msa.is_triage and msa.mailbox is None
    caf = snapshot.named("CAF 75")
    assert caf.agents == () and caf.reachable  # the shared mailbox is read
    assert snapshot.named("Nobody") is None
    assert [g.name for g in snapshot.area_triage("13")] == ["Triage 13"]
    assert [g.name for g in snapshot.organisation_area("MSA", "13")] == ["MSA 13"]
    assert [g.name for g in snapshot.national_triage(DEFAULT)] == [DEFAULT]
    with pytest.raises(AttributeError):
        msa.name = "changed"  # shared between threads: frozen


def test_snapshot_is_reused_while_the_directory_does_not_change(directory):
    with directory.begin() as session:
        first = current_snapshot(session)
    with directory.begin() as session:
        session.execute(text("SELECT 1 FROM groups"))
        assert current_snapshot(session) is first
        assert select_groups(session, decision(["MSA"], ["13"]), default_group=DEFAULT).groups[0] is first.named("MSA 13")


def test_snapshot_is_rebuilt_after_a_committed_change(directory):
    def choose():
        with directory.begin() as session:
            selection = select_groups(session, decision(["MSA"], ["13"]), default_group=DEFAULT)
            return current_snapshot(session), selection

    before, selection = choose()
    assert selection.group_names == ["MSA 13"]
    with directory.begin() as session:  # the group's last active agent leaves
        session.execute(text("UPDATE agents SET active = false WHERE email LIKE 'conseiller.%'"))
    after, selection = choose()
    assert after is not before and after.token != before.token
    assert not after.named("MSA 13").reachable
    assert selection.group_names == ["Triage 13"]
    assert [(s.rule, s.group, s.selected) for s in selection.steps] == [
        ("organisation+area", "MSA 13", False), ("area-triage", "Triage 13", True),
    ]


def test_selection_needs_one_query_once_the_snapshot_is_cached(directory):
    from sqlalchemy import event

    with directory.begin() as session:
        current_snapshot(session)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(directory.engine, "before_cursor_execute", count)
    try:
        with directory.begin() as session:
            select_groups(session, decision(["MSA", "CAF"], ["13", "75"]), default_group=DEFAULT)
    finally:
        event.remove(directory.engine, "before_cursor_execute", count)
    queries = [s for s in statements if not s.startswith("BEGIN")]
    assert len(queries) == 1 and "directory_revision" in queries[0]


# -- a migrated database -----------------------------------------------------

@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def migrated(request, tmp_path):
    """A database built by the Alembic migrations, not by create_all."""
    if request.param == "sqlite":
        (tmp_path / "migrated").mkdir()
        url = sqlite_url(tmp_path / "migrated")  # beside the `database` fixture's file
        upgrade(url)
        database = Database.connect(url)
        yield database
        database.dispose()
        return
    with postgres_schema() as url:
        upgrade(url)
        database = Database.connect(url)
        yield database
        database.dispose()


def _triggers(database: Database) -> set[str]:
    with database.begin() as session:
        if database.is_postgres:
            query = (
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
            )
        else:
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        return {name for name in session.scalars(text(query)) if name.endswith("_directory_revision")}


def _expected_triggers(database: Database) -> set[str]:
    if database.is_postgres:
        return {f"{table}_directory_revision" for table in DIRECTORY_TABLES}
    return {f"{table}_{op}_directory_revision" for table in DIRECTORY_TABLES for op in ("insert", "update", "delete")}


def test_migrated_database_has_the_row_and_the_triggers(migrated):
    with migrated.begin() as session:
        assert len(session.scalars(select(DirectoryRevision)).all()) == 1
    before = token(migrated)
    assert before
    assert _triggers(migrated) >= _expected_triggers(migrated)
    with migrated.begin() as session:
        session.execute(text("INSERT INTO areas (code, name) VALUES ('13', 'Bouches-du-Rhône')"))
    assert token(migrated) != before


def test_create_all_and_the_migrations_install_the_same_triggers(migrated, tmp_path):
    with fresh_database("postgres" if migrated.is_postgres else "sqlite", tmp_path) as created:
        assert _triggers(created) == _triggers(migrated) == _expected_triggers(created)


def test_downgrade_removes_the_triggers_and_upgrade_puts_them_back(migrated):
    from alembic import command

    from gateway.storage.db import alembic_config

    url = migrated.engine.url.render_as_string(hide_password=False)
    command.downgrade(alembic_config(url), "0001")
    assert not (_triggers(migrated) & _expected_triggers(migrated))
    assert "directory_revision" not in inspect(migrated.engine).get_table_names()
    with migrated.begin() as session:  # the directory is writable without the revision table
        session.execute(text("INSERT INTO areas (code, name) VALUES ('13', 'Bouches-du-Rhône')"))
    upgrade(url)
    assert _triggers(migrated) >= _expected_triggers(migrated)
