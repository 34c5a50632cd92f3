"""Numbers and ordinary words that are not places must not bring a département in."""

from __future__ import annotations

import pytest

from routing.geography import find_areas


@pytest.mark.parametrize(
    "text",
    [
        "Mon numéro allocataire 1234567, dossier 75015.",
        "numero allocataire : 13001",
        "Référence 59000 de ma demande",
        "Le rendez-vous est le 12/03/2024 à 14h30.",
        "rdv le 13 à 14h",
        "le 13 mars",
        "du 12 au 15 mars",
        "Appelez-moi au 06 12 34 56 78 ou au 01.45.67.89.10",
        "Tél : +33 6 12 34 56 78",
        "Je touche 450 euros par mois et on me réclame 75000 €",
        "une dette de 13000 euros",
        "un montant de 59000",
        "n° 75",
        "j'ai 93 ans",
        "il a 13 ans et demi",
        "IBAN FR76 3000 4000 0312 3456 7890 185",
        "mon numéro fiscal 12345 678",
        "page 2 sur 13",
        "la somme de 450 euros",
    ],
)
def test_numbers_that_are_not_places(text: str) -> None:
    assert find_areas(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "J'ai une belle vue sur la mer.",
        "Il y a un problème, j'ai eu un refus.",
        "Je vais au bar du coin.",
        "Le pont est fermé.",
        "Le plan d'aide n'a pas été validé.",
        "Je suis des cours du soir.",
        "Depuis mars je n'ai rien reçu.",
        "Il a fait des paris en ligne.",
        "Cher Monsieur, chère Madame,",
        "Un lot de documents est parti.",
        "Au nord de la ville.",
        "La somme due est importante.",
        "La garde de mes enfants pose problème.",
        "J'ai une réunion à la CAF la semaine prochaine.",
        "je suis à la réunion de parents d'élèves",
        "Il faut que je vienne lundi.",
        "Les tours de garde sont lourds.",
        "Sainte patience !",
        "Bonjour, je m'appelle Aude Martin.",
        "Je vis en Bretagne.",
        "J'habite en Île-de-France.",
        "Ma facture Orange est trop chère.",
        "Il a le sens du devoir.",
    ],
)
def test_common_words_that_are_not_places(text: str) -> None:
    assert find_areas(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("J'habite 12 rue de Paris, 93100 Montreuil.", ["93"]),
        ("Je travaille avenue de Verdun à Nice.", ["06"]),
        ("Rendez-vous gare de Lyon demain", []),
        ("J'ai parlé à Mme Laval au téléphone.", []),
        ("Nous vivons à Orange.", ["84"]),
        ("Je suis à Tours depuis un an.", ["37"]),
    ],
)
def test_streets_and_people_are_not_residences(text: str, expected: list[str]) -> None:
    assert [a.code for a in find_areas(text)] == expected


def test_capitalised_common_word_in_place_context_is_a_place() -> None:
    assert [a.code for a in find_areas("Je vis à Vue, près de Nantes.")][:1] == ["44"]
    assert [a.code for a in find_areas("j'habite à Eu")] == ["76"]
    assert find_areas("j'habite à eu") == []


@pytest.mark.parametrize(
    "text",
    ["Bonjour, je m'appelle Nancy Martin.", "Nancy Martin\n06 12 34 56 78", "Bonjour Nancy,",
     "Accept-Language: fr-FR, en-US", "L'EU a voté."],
)
def test_first_names_and_acronyms_are_not_towns(text: str) -> None:
    assert find_areas(text) == []


def test_postal_code_wins_over_a_cut_commune_name() -> None:
    areas = find_areas("38670 Chasse")  # Chasse-sur-Rhône (38), not Chasse (72)
    assert [a.code for a in areas] == ["38"]


@pytest.mark.parametrize(
    "text",
    ["Il a voyagé en Corée du Nord.", "Mon mari est né en Irlande du Nord.", "Saint-Pierre-et-Miquelon",
     "Saint-Vincent-et-les-Grenadines"],
)
def test_other_proper_names_containing_a_place(text: str) -> None:
    assert find_areas(text) == []


def test_town_then_its_departement() -> None:
    areas = find_areas("J'ai quitté Lille pour Saint-Denis de La Réunion.")
    assert [a.code for a in areas] == ["59", "974"]
