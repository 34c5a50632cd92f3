"""A département mentioned in passing adds no area; a move keeps both, with roles; context organisations are not invited."""

from __future__ import annotations

import pytest

from routing.classify import classify


def person_areas(text: str) -> set[str]:
    return {a.code for a in classify(text).areas if a.role == "person"}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Je suis née à Brest mais j'habite à Montpellier. La CAF a suspendu mon RSA.", {"34"}),
        ("J'habite à Reims et mon mari est hospitalisé au CHU de Rouen, la CPAM ne rembourse pas.", {"51"}),
        ("J'ai vécu à Grenoble il y a quinze ans ; je réside à Nantes. La CAF a supprimé mon APL.", {"44"}),
        ("Ma sœur vit à Ajaccio. Moi j'habite à Besançon et France Travail ne me paie plus.", {"25"}),
    ],
)
def test_a_departement_in_passing_adds_no_area(text, expected):
    assert person_areas(text) == expected


def test_a_move_keeps_both_areas_with_their_roles():
    decision = classify("J'ai déménagé de Lille à Bordeaux en juillet et la CAF n'a pas transféré mon dossier.")
    reasons = {a.code: {e.reason for e in a.evidence} for a in decision.areas if a.role == "person"}
    assert set(reasons) == {"59", "33"}
    assert "move-origin" in reasons["59"] and "move-destination" in reasons["33"]


def test_an_organisation_that_answered_is_context_not_invited():
    decision = classify("J'ai aussi écrit à la préfecture, qui m'a répondu de voir avec vous. La CAF a arrêté mon RSA à Caen.")
    assert {o.code for o in decision.organisations} == {"CAF"}


def test_an_implied_organisation_is_invited():
    decision = classify("Bonjour, je voudrais demander l'AAH, j'habite à Pau.")
    assert {"MDPH", "CAF"} <= {o.code for o in decision.organisations}


def test_a_hospital_as_the_place_of_a_stay_is_context_but_one_that_acts_is_invited():
    stay = classify("J'habite à Reims, mon mari est hospitalisé au CHU de Reims et la CPAM ne rembourse pas son transport.")
    assert {o.code for o in stay.organisations} == {"CPAM"}
    acts = classify("Bonjour, l'hôpital d'Amiens m'envoie une facture que la mutuelle devait payer. J'habite à Amiens.")
    assert "HOPITAL" in {o.code for o in acts.organisations}
