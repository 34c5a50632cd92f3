"""A deactivated organisation, area or group is no longer routed to; the rest of the chain takes over."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gateway.models import Area, Group, Organisation
from routing.directory.csv_file import export_directory
from routing.directory.selection import select_groups
from tests.routing_directory.builders import decision, group

DEFAULT = "Équipe nationale A+"


@pytest.fixture
def routed(database):
    with database.begin() as session:
        group(session, DEFAULT, triage=True, national=True)
        group(session, "MSA 13", org="MSA", areas=("13",))
        group(session, "Triage 13", triage=True, areas=("13",))
    return database


def chosen(database) -> list[str]:
    with database.begin() as session:
        return select_groups(session, decision(["MSA"], ["13"]), default_group=DEFAULT).group_names


@pytest.mark.parametrize("switch_off, expected", [
    (lambda s: s.scalars(select(Group).where(Group.name == "MSA 13")).one(), ["Triage 13"]),
    (lambda s: s.scalars(select(Organisation).where(Organisation.code == "MSA")).one(), ["Triage 13"]),
    (lambda s: s.scalars(select(Area).where(Area.code == "13")).one(), [DEFAULT]),
])
def test_deactivating_reroutes_and_reactivating_restores(routed, switch_off, expected):
    assert chosen(routed) == ["MSA 13"]
    with routed.begin() as session:
        switch_off(session).active = False
    assert chosen(routed) == expected
    with routed.begin() as session:
        switch_off(session).active = True
    assert chosen(routed) == ["MSA 13"]


def test_a_deactivated_group_is_left_out_of_the_export(routed):
    with routed.begin() as session:
        session.scalars(select(Group).where(Group.name == "MSA 13")).one().active = False
        exported = export_directory(session)
    assert "MSA 13" not in exported and "Triage 13" in exported
