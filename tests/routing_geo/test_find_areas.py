"""The ways people write places in a request, and what each yields."""

from __future__ import annotations

import pytest

from routing.geography import find_areas


def codes(text: str, **kwargs: object) -> list[str]:
    return [area.code for area in find_areas(text, **kwargs)]


def reasons(text: str) -> list[str]:
    return [e.reason for area in find_areas(text) for e in area.evidence]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bonjour, j'habite dans le 93 depuis deux ans.", "93"),
        ("je suis dans le 13", "13"),
        ("j'habite le 13", "13"),
        ("moi je suis du 59", "59"),
        ("la CAF du 93 ne répond pas", "93"),
        ("Je relève du département 59.", "59"),
        ("département du Nord", "59"),
        ("dans le 974 chez ma tante", "974"),
        ("département 2A", "2A"),
    ],
)
def test_departement_numbers(text: str, expected: str) -> None:
    assert codes(text)[0] == expected
    assert "departement-number" in reasons(text) or "departement-name" in reasons(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J'habite en Seine-Saint-Denis.", "93"),
        ("j habite en seine st denis", "93"),
        ("Seine Saint Denis", "93"),
        ("les Bouches-du-Rhône", "13"),
        ("dans les bouches du rhone", "13"),
        ("Je vis dans le Nord.", "59"),
        ("J'ai déménagé dans la Somme.", "80"),
        ("en Haute-Garonne", "31"),
        ("dans les Htes-Alpes", "05"),
        ("dans le Val-d'Oise", "95"),
        ("dans l'Ain", "01"),
    ],
)
def test_departement_names(text: str, expected: str) -> None:
    areas = find_areas(text)
    assert [a.code for a in areas] == [expected]
    assert areas[0].evidence[0].reason == "departement-name"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Je vis à Marseille 13e.", "13"),
        ("j'habite Lyon 3ème", "69"),
        ("Paris 15e", "75"),
        ("Paris XVe arrondissement", "75"),
        ("Marseille 1er", "13"),
        ("j'habite dans le 15e", "75"),
        ("Je suis à Marseille, dans le 13e arrondissement.", "13"),
    ],
)
def test_city_arrondissements(text: str, expected: str) -> None:
    assert codes(text) == [expected]
    assert "city-arrondissement" in reasons(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("j habite a st etienne", "42"),
        ("J'habite Saint-Étienne.", "42"),
        ("SAINT ETIENNE", "42"),
        ("St-Etienne", "42"),
        ("à Aix-en-Provence", "13"),
        ("aix en provence", "13"),
        ("jhabite a limoges merci", "87"),
        ("J'habite à Mérignac.", "33"),
        ("La Rochelle", "17"),
        ("au Havre", "76"),
        ("je vis aux Lilas", "93"),
        ("à l'Isle-Adam", "95"),
        ("Vandœuvre-lès-Nancy", "54"),
        ("je suis à Cherbourg", "50"),
        ("la mission locale de creteil", "94"),
        ("à Tours", "37"),
        ("j'habite à Vue", "44"),
    ],
)
def test_communes(text: str, expected: str) -> None:
    assert codes(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon adresse : 12 rue des Lilas, 13001 Marseille", "13"),
        ("75015", "75"),
        ("habite au 75015", "75"),
        ("3 allée des Pins\n69003 LYON", "69"),
        ("93735 Bobigny Cedex", "93"),
        ("97400 Saint-Denis", "974"),
        ("20000 Ajaccio", "2A"),
        ("code postal 59000", "59"),
    ],
)
def test_postal_codes(text: str, expected: str) -> None:
    areas = find_areas(text)
    assert areas[0].code == expected
    postal = [e for e in areas[0].evidence if e.reason == "postal-code"]
    assert postal and text[postal[0].start:postal[0].end] == postal[0].text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J'habite à la Réunion.", "974"),
        ("on est au tampon a la reunion", "974"),
        ("Je vis en Guadeloupe.", "971"),
        ("Mayotte", "976"),
        ("Je suis en Guyane depuis 2019.", "973"),
        ("Je viens de Martinique", "972"),
    ],
)
def test_overseas_by_name(text: str, expected: str) -> None:
    areas = find_areas(text)
    assert [a.code for a in areas] == [expected]
    assert areas[0].evidence[0].reason == "overseas-name"


def test_evidence_offsets_point_at_the_matched_text() -> None:
    text = "Bonjour,\nje vis à Saint-Étienne (42) et ma fille dans le 93."
    for area in find_areas(text):
        for evidence in area.evidence:
            assert text[evidence.start:evidence.end] == evidence.text
    assert codes(text) == ["42", "93"]  # 42 has two pieces of evidence, so it comes first


def test_areas_are_ordered_by_evidence_weight() -> None:
    areas = find_areas("Née à Valence, j'habite 12 rue Victor Hugo, 93100 Montreuil.")
    assert [a.code for a in areas] == ["93", "26"]
    assert areas[1].evidence[0].reason == "birthplace"  # Valence (26, most populous), where she was born


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("jabite a strasbour", "67"),
        ("jabite toulouze", "31"),
        ("jabite a bordeau pouvez vous voir", "33"),
        ("je vis a marseile", "13"),
        ("jabite a valencienne merci", "59"),
    ],
)
def test_misspelt_towns(text: str, expected: str) -> None:
    areas = find_areas(text)
    assert [a.code for a in areas] == [expected]
    assert areas[0].evidence[0].reason == "commune-fuzzy"


@pytest.mark.parametrize("text", ["j'habite à proximité", "je suis en attente", "il est en colère", "a propos"])
def test_no_misspelt_town_in_ordinary_words(text: str) -> None:
    assert find_areas(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("jabite lens", "62"), ("jabite au port", "974"), ("jhabite a limoges", "87"), ("je vis a tours", "37")],
)
def test_phone_style_lower_case_after_a_verb_of_residence(text: str, expected: str) -> None:
    assert [a.code for a in find_areas(text)] == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("j'ai déménagé d'Aix à Avignon", ["13", "84"]),
        ("la PMI d'Évry ne répond pas", ["91"]),
        ("j'habite à Boulogne", ["92"]),
        ("jabite a hyere", ["83"]),
    ],
)
def test_short_and_former_names_compete_by_population(text: str, expected: list[str]) -> None:
    assert [a.code for a in find_areas(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("un logement social à Saint-Ouen", ["93"]), ("à Saint-Maur", ["94"]), ("Lyon Part-Dieu", ["69"])],
)
def test_short_names_of_towns_with_a_saint(text: str, expected: list[str]) -> None:
    assert [a.code for a in find_areas(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("la MDPH 44 ne répond pas", "44"), ("CAF 13", "13"), ("la caf 93 me reclame", "93"), ("Pôle emploi 13", "13")],
)
def test_office_followed_by_its_departement_number(text: str, expected: str) -> None:
    assert [a.code for a in find_areas(text)] == [expected]


@pytest.mark.parametrize("text", ["la CAF 13 mars", "CPAM 75 euros", "CAF 2024"])
def test_office_followed_by_a_date_or_amount(text: str) -> None:
    assert find_areas(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("CAF Créteil", ["94"]), ("France Services Bondy", ["93"]), ("Bondy, le 3 avril 2024", ["93"]),
     ("l'hôpital Nord de Marseille", ["13"])],
)
def test_offices_and_letter_date_lines(text: str, expected: list[str]) -> None:
    assert [a.code for a in find_areas(text)] == expected
