"""The organisation catalog: complete, consistent, and overridable."""

from __future__ import annotations

import pytest

from routing.catalog import load_catalog
from routing.classify import classify

ISSUE_CODES = {
    "CAF", "CPAM", "CARSAT", "CNAV", "MSA", "MDPH", "FT", "MISSION_LOCALE", "PREF", "ANTS", "DGFIP", "URSSAF",
    "BDF", "MAIRIE", "CCAS", "DEPARTEMENT", "ANAH", "CHEQUE_ENERGIE", "LA_POSTE", "OFPRA", "HOPITAL",
}
HELPERS = {"FRANCE_SERVICES", "MSAP", "ASSOCIATION"}


def test_catalog_has_every_code_of_the_issue_and_helpers_apart():
    catalog = load_catalog()
    assert {o.code for o in catalog.targets()} == ISSUE_CODES
    assert {o.code for o in catalog.helpers()} == HELPERS
    assert all(catalog.get(code).helper for code in HELPERS)


def test_every_benefit_names_known_organisations_and_is_listed_on_them():
    catalog = load_catalog()
    for benefit in catalog.benefits.values():
        assert benefit.terms, benefit.code
        for code in benefit.organisations:
            assert benefit.code in catalog.get(code).benefits
    assert set(catalog.benefits["AAH"].organisations) == {"MDPH", "CAF"}
    assert "RSA" in catalog.get("CAF").benefits
    assert "TITRE_SEJOUR" in catalog.get("PREF").benefits


def test_get_unknown_code_names_it():
    with pytest.raises(KeyError, match="NOPE"):
        load_catalog().get("NOPE")


@pytest.mark.parametrize(
    "sender, code",
    [
        ("agent@caf.fr", "CAF"),
        ("Jean Dupont <jean.dupont@cpam-paris.fr>", "CPAM"),
        ("x@ameli.fr", "CPAM"),
        ("x@carsat-aquitaine.fr", "CARSAT"),
        ("x@lassuranceretraite.fr", "CARSAT"),
        ("x@francetravail.fr", "FT"),
        ("x@pole-emploi.fr", "FT"),
        ("x@dgfip.finances.gouv.fr", "DGFIP"),
        ("x@ants.gouv.fr", "ANTS"),
        ("x@interieur.gouv.fr", "PREF"),
        ("x@urssaf.fr", "URSSAF"),
        ("x@banque-france.fr", "BDF"),
        ("x@msa.fr", "MSA"),
        ("x@france-services.gouv.fr", "FRANCE_SERVICES"),
    ],
)
def test_by_sender_domain(sender, code):
    org = load_catalog().by_sender_domain(sender)
    assert org is not None and org.code == code


def test_consumer_mailboxes_are_nobody():
    catalog = load_catalog()
    assert catalog.by_sender_domain("someone@laposte.net") is None
    assert catalog.by_sender_domain("someone@gmail.com") is None
    assert catalog.by_sender_domain("") is None


def test_overrides_merge_aliases_and_reach_the_classifier():
    base = load_catalog()
    merged = base.with_overrides([
        {"code": "CAF", "aliases": ["kaf du coin"]},
        {"code": "cpam", "domains": ["secu-locale.example"]},
    ])
    caf = merged.get("CAF")
    assert caf.aliases[: len(base.get("CAF").aliases)] == base.get("CAF").aliases
    assert "kaf du coin" in caf.aliases
    assert "kaf du coin" not in base.get("CAF").aliases  # the shipped catalog is untouched
    assert merged.by_sender_domain("a@secu-locale.example").code == "CPAM"
    decision = classify("La kaf du coin ne répond plus.", catalog=merged, find_areas=lambda *a, **k: [])
    assert decision.organisation_codes == ["CAF"]
    assert classify("La kaf du coin ne répond plus.", find_areas=lambda *a, **k: []).organisation_codes == []


def test_override_can_add_an_organisation():
    merged = load_catalog().with_overrides([{"code": "CROUS", "name": "Crous", "aliases": ["crous"]}])
    assert merged.get("CROUS").name == "Crous"
    assert "CROUS" in {o.code for o in merged.targets()}
