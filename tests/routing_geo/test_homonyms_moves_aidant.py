"""Homonym communes, moves between two places, and the aidant's signature."""

from __future__ import annotations

import pytest

from routing.geography import find_areas


def first(text: str, **kwargs: object) -> tuple[str, str]:
    area = find_areas(text, **kwargs)[0]
    return area.code, area.evidence[0].reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J'habite à Saint-Denis (93).", ("93", "commune")),
        ("J'habite Saint-Denis 93", ("93", "commune")),
        ("93200 Saint-Denis", ("93", "postal-code")),
        ("97400 Saint-Denis", ("974", "postal-code")),
        ("Je vis à Saint-Denis, à la Réunion.", ("974", "commune-homonym-by-context")),
        ("Je vis à Saint-Denis en Seine-Saint-Denis.", ("93", "commune-homonym-by-context")),
        ("J'habite à Valence dans le Tarn-et-Garonne.", ("82", "commune-homonym-by-context")),
        ("J'habite à Valence (82)", ("82", "commune")),
    ],
)
def test_homonyms_resolved_by_context(text: str, expected: tuple[str, str]) -> None:
    assert first(text) == expected


def test_homonym_without_context_goes_to_the_most_populous() -> None:
    areas = find_areas("J'habite à Valence.")
    assert [a.code for a in areas] == ["26"]  # Valence (Drôme) rather than Valence (Tarn-et-Garonne)
    assert areas[0].evidence[0].reason == "commune-homonym-by-population"
    assert areas[0].evidence[0].weight < 0.8


def test_longest_name_wins() -> None:
    areas = find_areas("Je vis en Seine-Saint-Denis.")
    assert [a.code for a in areas] == ["93"]
    assert [e.reason for e in areas[0].evidence] == ["departement-name", "residence"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J'ai déménagé de Paris à Marseille en mai.", ["75", "13"]),
        ("J'ai déménagé de Toulouse à Bordeaux, mon dossier est resté à la CAF de Haute-Garonne.", ["31", "33"]),
        ("Je suis parti de Montreuil pour m'installer à Angers.", ["93", "49"]),
        ("Mutée de Lille vers Nantes", ["59", "44"]),
    ],
)
def test_moves_yield_both_places_in_the_order_told(text: str, expected: list[str]) -> None:
    areas = find_areas(text)
    assert [a.code for a in areas] == expected
    destination = areas[1].evidence
    assert any(e.reason == "move-destination" for e in destination)
    assert any(e.reason == "move-origin" for e in areas[0].evidence)


SIGNATURE = "Sophie Lemoine\nConseillère France Services\nFrance Services de Guéret\n1 place du Marché, 23000 Guéret"


def test_aidant_signature_is_a_hint_returned_last() -> None:
    areas = find_areas("Mme Dupuis habite à Limoges et attend sa carte vitale.", sender_signature=SIGNATURE)
    assert [(a.code, a.role) for a in areas] == [("87", "person"), ("23", "aidant")]
    evidence = areas[1].evidence[0]
    assert SIGNATURE[evidence.start:evidence.end] == evidence.text


def test_aidant_signature_alone_when_the_person_gives_no_place() -> None:
    areas = find_areas("Bonjour, M. Dupuis attend sa carte vitale depuis janvier.", sender_signature=SIGNATURE)
    assert [(a.code, a.role) for a in areas] == [("23", "aidant")]


def test_no_signature_no_aidant_area() -> None:
    assert find_areas("Rien ici.", sender_signature=None) == []
    assert find_areas("Rien ici.", sender_signature="") == []


def test_move_told_backwards_still_gives_origin_first() -> None:
    areas = find_areas("J'ai emménagé à Paris après avoir quitté Toulouse.")
    assert [a.code for a in areas] == ["31", "75"]


def test_departement_name_that_is_also_a_town() -> None:
    assert first("J'habite Vienne en Isère.") == ("38", "commune-homonym-by-context")
    assert first("J'habite dans la Vienne.") == ("86", "departement-name")
    assert first("J'habite à Vienne.") == ("86", "departement-name")


def test_signature_in_the_body_counts_less_than_the_request() -> None:
    text = ("Bonjour,\nLa personne que j'accompagne vit à Pantin (93500) ; son APL n'est plus versée.\n"
            "Cordialement,\nClaire V.\nAssociation Aurore, 75011 Paris")
    areas = find_areas(text)
    assert [a.code for a in areas] == ["93", "75"]
    assert all(e.weight < 1.0 for e in areas[1].evidence)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J'habitais à Lyon, maintenant à Grenoble.", ["69", "38"]),
        ("j'habitais Saint-Malo, je suis maintenant à Vannes.", ["35", "56"]),
    ],
)
def test_former_then_current_place_is_a_move(text: str, expected: list[str]) -> None:
    assert [a.code for a in find_areas(text)] == expected


def test_a_place_taken_back_is_dropped() -> None:
    areas = find_areas("J'habite Colmar... enfin Strasbourg maintenant.")
    assert [a.code for a in areas] == ["67"]
    assert "current-place" in [e.reason for e in areas[0].evidence]
    assert [a.code for a in find_areas("J'habite Lyon, pardon, Lille.")] == ["59"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Né à Paris, je vis à Lyon.", ["69", "75"]),
        ("Je suis née en Guadeloupe et j'habite à Créteil.", ["94", "971"]),
        ("Originaire du Nord, j'habite Toulouse.", ["31", "59"]),
    ],
)
def test_home_before_birthplace(text: str, expected: list[str]) -> None:
    areas = find_areas(text)
    assert [a.code for a in areas] == expected
    assert areas[1].evidence[0].reason == "birthplace"
    assert "residence" in [e.reason for e in areas[0].evidence]
