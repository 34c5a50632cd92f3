"""Reference data seeding and the demo directory of ``make run``."""

from __future__ import annotations

from sqlalchemy import func, select

from gateway.models import Agent, Area, Group, Organisation
from routing.catalog import load_catalog
from routing.directory.selection import select_groups
from routing.reference_data import load_demo_directory, seed_reference_data
from tests.routing_directory.builders import decision

DEFAULT = "Équipe nationale A+"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_seed_inserts_catalog_and_departements_once(database):
    with database.begin() as session:
        report = seed_reference_data(session)
        assert len(report.areas) == 101 and {"2A", "2B", "974", "976", "13"} <= set(report.areas)
        assert set(report.organisations) == set(load_catalog().organisations)
        assert {"CAF", "CNAV", "FT", "FRANCE_SERVICES"} <= set(report.organisations)
    with database.begin() as session:
        session.scalar(select(Organisation).where(Organisation.code == "CAF")).name = "CAF (nom local)"
        again = seed_reference_data(session)
        assert again.organisations == [] and again.areas == []
        assert count(session, Area) == 101
        assert session.scalar(select(Area.name).where(Area.code == "93")) == "Seine-Saint-Denis"
    with database.begin() as session:  # what the national team changed stays
        assert session.scalar(select(Organisation.name).where(Organisation.code == "CAF")) == "CAF (nom local)"


def test_demo_directory_is_loaded_once_and_routes(database):
    with database.begin() as session:
        report = load_demo_directory(session, default_group=DEFAULT)
        assert report is not None and report.ok
        assert report.groups.created >= 10 and report.agents.created >= 10
    with database.begin() as session:
        assert load_demo_directory(session, default_group=DEFAULT) is None
        names = set(session.scalars(select(Group.name)))
        assert {DEFAULT, "CAF 13", "CPAM 13", "CAF 75", "CNAV Île-de-France", "CARSAT Sud-Est",
                "France Travail 93", "Préfecture 93", "MDPH 13", "DGFiP national"} <= names
        default = session.scalar(select(Group).where(Group.name == DEFAULT))
        assert default.is_triage and not default.areas and len(default.agents) == 1
        assert session.scalar(select(Group.mailbox).where(Group.name == "CAF 13"))
        emails = list(session.scalars(select(Agent.email)))
        assert all(e.endswith(".example") for e in emails)  # RFC 2606: never a real mailbox

        def chosen(orgs, areas):
            return select_groups(session, decision(orgs, areas), default_group=DEFAULT).group_names

        assert chosen(["CAF"], ["13"]) == ["CAF 13"]
        assert chosen(["CNAV"], ["93"]) == ["CNAV Île-de-France"]
        assert chosen(["CARSAT"], ["2A"]) == ["CARSAT Sud-Est"]
        assert chosen(["DGFIP"], ["13"]) == ["DGFiP national"]
        assert chosen(["MSA"], ["13"]) == [DEFAULT]


def test_demo_uses_the_configured_default_group_name(database):
    with database.begin() as session:
        load_demo_directory(session, default_group='Accueil "A+"; national')
        assert session.scalar(select(Group).where(Group.name == 'Accueil "A+"; national')).is_triage


def test_demo_is_not_loaded_into_a_directory_that_has_groups(database):
    with database.begin() as session:
        session.add(Group(name="Mon groupe", is_national=False, is_triage=True))
    with database.begin() as session:
        assert load_demo_directory(session, default_group=DEFAULT) is None
        assert list(session.scalars(select(Group.name))) == ["Mon groupe"]
        assert count(session, Area) == 101  # reference data is seeded all the same
