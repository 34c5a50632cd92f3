"""The generated tables are complete and consistent (they come from INSEE / La Poste, never typed by hand)."""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path

import pytest

from routing.geography import all_departements, departement_name, find_areas

DATA = Path(__file__).resolve().parents[2] / "routing" / "data"


def read(name: str) -> list[dict[str, str]]:
    raw = (DATA / name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


@pytest.fixture(scope="module")
def communes() -> list[dict[str, str]]:
    return read("communes.csv.gz")


def test_101_departements_with_corsica_and_overseas() -> None:
    codes = [code for code, _name in all_departements()]
    assert len(codes) == len(set(codes)) == 101
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= set(codes)
    assert "20" not in codes and "975" not in codes
    assert departement_name("93") == "Seine-Saint-Denis"
    assert departement_name("2a") == "Corse-du-Sud"
    assert departement_name("974") == "La Réunion"
    with pytest.raises(KeyError):
        departement_name("99")


def test_communes_count_and_departements_known(communes: list[dict[str, str]]) -> None:
    known = {code for code, _ in all_departements()}
    proper = [c for c in communes if c["kind"] == "COM"]
    assert 34_800 <= len(proper) <= 35_100
    assert all(c["departement"] in known for c in communes)
    assert all(re.fullmatch(r"[0-9][0-9AB][0-9]{3}", c["insee"]) for c in communes)
    assert {c["departement"] for c in proper} == known  # every département has communes


def test_population_known_for_every_commune(communes: list[dict[str, str]]) -> None:
    proper = [c for c in communes if c["kind"] == "COM"]
    # Only the six "villages morts pour la France" of the Meuse (1916) have nobody.
    assert [c["departement"] for c in proper if int(c["population"]) == 0] == ["55"] * 6
    assert {c["population_source"] for c in proper} <= {"insee", "council-size"}
    by_name = {c["name"]: int(c["population"]) for c in proper}
    assert by_name["Paris"] > 2_000_000 and by_name["Marseille"] > 800_000


def test_postal_codes_are_five_digits_and_point_to_communes(communes: list[dict[str, str]]) -> None:
    insee = {c["insee"] for c in communes}
    links = read("postal_codes.csv.gz")
    assert len(links) > 35_000
    assert all(re.fullmatch(r"[0-9]{5}", row["postal_code"]) for row in links)
    assert all(row["insee"] in insee for row in links)
    assert {row["postal_code"] for row in links} >= {"75015", "13001", "97400", "97600", "20000"}


def test_data_stays_small() -> None:
    total = sum(path.stat().st_size for path in DATA.iterdir() if path.suffix in (".gz", ".csv"))
    assert total < 1_500_000


def test_no_region_is_a_departement() -> None:
    regions = read("regions.csv")
    assert len(regions) == 18
    assert find_areas("Je vis en Bretagne, en Normandie puis en Occitanie.") == []
