"""The selection chain: each rule, low confidence, unreachable groups, dedup, fallbacks."""

from __future__ import annotations

import json

import pytest

from routing.directory.selection import select_groups
from tests.routing_directory.builders import decision, group

DEFAULT = "Équipe nationale A+"


@pytest.fixture
def session(database):
    with database.begin() as session:
        group(session, DEFAULT, triage=True, national=True)
        group(session, "CAF 13", org="CAF", areas=("13",))
        group(session, "CAF 13 Aix", org="CAF", areas=("13",), agents=())
        group(session, "CAF 75", org="CAF", areas=("75",))
        group(session, "CNAV Île-de-France", org="CNAV", areas=("75", "93"))
        group(session, "DGFiP national", org="DGFIP", national=True)
        group(session, "Triage 13", triage=True, areas=("13",))
        group(session, "MDPH 93", org="MDPH", areas=("93",), agents=(), mailbox="bal.mdph93@mdph.example")
        yield session


def select(session, d):
    return select_groups(session, d, default_group=DEFAULT)


def rules(selection):
    return [(s.rule, s.group, s.selected) for s in selection.steps]


def test_organisation_and_area(session):
    selection = select(session, decision(["CAF"], ["13"]))
    assert selection.group_names == ["CAF 13"]
    assert rules(selection) == [("organisation+area", "CAF 13", True), ("organisation+area", "CAF 13 Aix", False)]
    assert selection.steps[0].explanation == "CAF pour le 13 : groupe « CAF 13 »"
    assert selection.steps[0].organisation == "CAF" and selection.steps[0].area == "13"


def test_group_covering_several_areas(session):
    selection = select(session, decision(["CNAV"], ["93"]))
    assert selection.group_names == ["CNAV Île-de-France"]


def test_shared_mailbox_makes_a_group_reachable(session):
    selection = select(session, decision(["MDPH"], ["93"]))
    assert selection.group_names == ["MDPH 93"]


def test_organisation_national_group(session):
    selection = select(session, decision(["DGFIP"], ["13"]))
    assert selection.group_names == ["DGFiP national"]
    assert rules(selection) == [("organisation-national", "DGFiP national", True)]
    assert "groupe national « DGFiP national »" in selection.steps[0].explanation


def test_area_triage(session):
    selection = select(session, decision(["MSA"], ["13"]))
    assert selection.group_names == ["Triage 13"]
    assert rules(selection) == [("area-triage", "Triage 13", True)]


def test_national_triage(session):
    selection = select(session, decision(["MSA"], ["75"]))
    assert selection.group_names == [DEFAULT]
    assert rules(selection) == [("national-triage", DEFAULT, True)]
    assert selection.steps[0].explanation.endswith(f"triage national « {DEFAULT} »")


def test_national_triage_without_the_default_group_uses_a_triage_group_without_areas(session):
    selection = select_groups(session, decision(["MSA"], ["75"]), default_group="Autre nom")
    assert selection.group_names == [DEFAULT]  # triage, no areas


def test_no_reachable_group_at_all_records_a_step_and_selects_nothing(database):
    with database.begin() as session:
        selection = select(session, decision(["CAF"], ["13"]))
    assert selection.groups == []
    assert rules(selection) == [("national-triage", "", False)]
    assert "intervention manuelle" in selection.steps[0].explanation


def test_low_confidence_goes_to_area_triage(session):
    selection = select(session, decision(["CAF"], ["13"], triage=True))
    assert selection.group_names == ["Triage 13"]
    assert rules(selection) == [("low-confidence", "Triage 13", True)]
    assert selection.steps[0].explanation.startswith("Confiance faible pour le 13")


def test_low_confidence_without_area_triage_goes_national(session):
    selection = select(session, decision(["CAF"], ["75"], triage=True))
    assert selection.group_names == [DEFAULT]
    assert rules(selection) == [("low-confidence", DEFAULT, True)]
    assert "triage national" in selection.steps[0].explanation


def test_no_organisation_goes_to_triage(session):
    assert select(session, decision([], ["13"])).group_names == ["Triage 13"]
    selection = select(session, decision([], []))
    assert selection.group_names == [DEFAULT]
    assert rules(selection) == [("national-triage", DEFAULT, True)]


def test_unreachable_group_is_skipped_and_the_chain_goes_on(session):
    group(session, "MSA 13", org="MSA", areas=("13",), agents=("inactive",), active=False)
    selection = select(session, decision(["MSA"], ["13"]))
    assert selection.group_names == ["Triage 13"]
    assert rules(selection) == [("organisation+area", "MSA 13", False), ("area-triage", "Triage 13", True)]
    assert "ignoré" in selection.steps[0].explanation and "injoignable" in selection.steps[0].explanation


def test_empty_group_beside_a_reachable_one_is_skipped_with_a_step(session):
    selection = select(session, decision(["CAF"], ["13"]))
    assert "CAF 13 Aix" not in selection.group_names
    assert selection.steps[1].explanation == (
        "CAF pour le 13 : groupe « CAF 13 Aix » ignoré : injoignable (aucun agent actif ni boîte aux lettres partagée)"
    )


def test_several_organisations_and_areas_with_dedup(session):
    selection = select(session, decision(["CAF", "CNAV", "DGFIP"], ["75", "93"]))
    # CAF has no group for 93, no national group, 93 has no triage group: national triage
    assert selection.group_names == ["CAF 75", DEFAULT, "CNAV Île-de-France", "DGFiP national"]
    dgfip_steps = [s for s in selection.steps if s.organisation == "DGFIP"]
    assert [s.explanation.endswith("(déjà retenu)") for s in dgfip_steps] == [False, True]
    cnav_steps = [s for s in selection.steps if s.organisation == "CNAV"]
    assert [s.area for s in cnav_steps] == ["75", "93"]
    assert cnav_steps[1].explanation.endswith("(déjà retenu)")


def test_caf_without_local_group_and_without_national_goes_to_national_triage(session):
    selection = select(session, decision(["CAF", "CNAV"], ["93"]))
    assert selection.group_names == [DEFAULT, "CNAV Île-de-France"]


def test_aidant_area_is_a_fallback_only(session):
    assert select(session, decision(["CAF"], aidant=["75"])).group_names == ["CAF 75"]
    assert select(session, decision(["CAF"], ["13"], aidant=["75"])).group_names == ["CAF 13"]


def test_organisation_without_area_uses_its_national_group_or_national_triage(session):
    assert select(session, decision(["DGFIP"])).group_names == ["DGFiP national"]
    assert select(session, decision(["CAF"])).group_names == [DEFAULT]


def test_to_dict_is_json(session):
    selection = select(session, decision(["CAF", "MSA"], ["13"]))
    data = json.loads(json.dumps(selection.to_dict()))
    assert [g["name"] for g in data["groups"]] == ["CAF 13", "Triage 13"]
    assert data["steps"][0]["rule"] == "organisation+area"
    assert selection.explanation().count("\n") == len(selection.steps) - 1
