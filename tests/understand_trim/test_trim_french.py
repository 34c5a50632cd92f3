"""Reply trimming on our French fixtures and on the rules we chose."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.understand.trim import split_reply

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "trim"


def _fixture_names() -> list[str]:
    return sorted(p.stem for p in FIXTURES.glob("*.txt") if not p.name.endswith(".expected.txt"))


def test_there_are_enough_french_fixtures() -> None:
    assert len(_fixture_names()) >= 25


@pytest.mark.parametrize("name", _fixture_names())
def test_french_fixture_is_trimmed_exactly(name: str) -> None:
    text = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    expected = (FIXTURES / f"{name}.expected.txt").read_text(encoding="utf-8")
    kept, elided = split_reply(text)
    assert kept == expected.strip()
    # nothing is lost: every non-blank line is either kept or elided
    for line in text.splitlines():
        if line.strip():
            assert line.strip() in kept or line.strip() in elided


def test_gmail_marker_and_quote_are_elided() -> None:
    text = (
        "Merci, c'est noté.\n\n"
        "Le lun. 3 févr. 2025 à 10:12, Marie Dupont <marie.dupont@example.fr> a écrit :\n\n"
        "> Bonjour,\n> Votre dossier est complet.\n"
    )
    kept, elided = split_reply(text)
    assert kept == "Merci, c'est noté."
    assert elided.startswith("Le lun. 3 févr. 2025")
    assert "> Votre dossier est complet." in elided


def test_gmail_marker_wrapped_over_two_lines() -> None:
    text = (
        "D'accord.\n\n"
        "Le lun. 3 févr. 2025 à 10:12, Marie Dupont <\n"
        "marie.dupont@example.fr> a écrit :\n\n"
        "> Bonjour\n"
    )
    assert split_reply(text)[0] == "D'accord."


def test_outlook_nbsp_headers_without_separator() -> None:
    text = (
        "Bien reçu.\n\n"
        "De\u00a0: Agent <agent@example.fr>\n"
        "Envoyé\u00a0: lundi 3 février 2025 10:12\n"
        "À\u00a0: moi@example.fr\n"
        "Objet\u00a0: RE: Dossier\n\n"
        "Texte de l'agent.\n"
    )
    kept, elided = split_reply(text)
    assert kept == "Bien reçu."
    assert "Texte de l'agent." in elided


def test_mobile_footers_are_elided_alone() -> None:
    for footer in (
        "Envoyé de mon iPhone",
        "Envoyé de mon smartphone Samsung Galaxy.",
        "Provenance : Courrier pour Windows",
        "Sent from my iPhone",
        "Télécharger Outlook pour Android",
    ):
        kept, elided = split_reply(f"Je viendrai mardi.\n\n{footer}\n")
        assert kept == "Je viendrai mardi.", footer
        assert elided == footer


def test_a_sentence_starting_like_a_footer_is_kept() -> None:
    text = "Bonjour,\nEnvoyé de mon adresse personnelle car je suis au travail.\nMerci"
    assert split_reply(text) == (text, "")


def test_history_pasted_after_a_mobile_footer_is_elided() -> None:
    text = "D'accord pour jeudi.\n\nEnvoyé de mon iPhone\n\nBonjour, pouvez-vous venir jeudi ?\nL'accueil"
    kept, elided = split_reply(text)
    assert kept == "D'accord pour jeudi."
    assert elided.endswith("L'accueil")


def test_dash_signature_is_elided_but_cordialement_is_kept() -> None:
    text = "Bonjour,\n\nMerci.\n\nCordialement,\nMarie Dupont\n\n-- \nMarie Dupont\nFrance Services\n"
    kept, elided = split_reply(text)
    assert kept == "Bonjour,\n\nMerci.\n\nCordialement,\nMarie Dupont"
    assert elided == "-- \nMarie Dupont\nFrance Services".strip()


def test_bottom_posting_under_marker_keeps_only_the_answer() -> None:
    text = (
        "Le 03/02/2025 à 10:12, Agent a écrit :\n"
        "> Avez-vous reçu le courrier ?\n\n"
        "Oui, hier.\n"
    )
    kept, elided = split_reply(text)
    assert kept == "Oui, hier."
    assert "> Avez-vous reçu le courrier ?" in elided


def test_everything_quoted_keeps_the_whole_text() -> None:
    text = "> Bonjour\n> Votre dossier est complet.\n"
    assert split_reply(text) == (text.strip(), "")


def test_forward_without_note_keeps_the_whole_text() -> None:
    text = (
        "---------- Message transféré ---------\n"
        "De : Jean <jean@example.fr>\nDate: lun. 3 févr. 2025 à 10:12\n"
        "Subject: Aide\nTo: <fs@example.fr>\n\nBonjour, j'ai besoin d'aide.\n"
    )
    kept, _ = split_reply(text)
    assert "Bonjour, j'ai besoin d'aide." in kept


def test_empty_and_blank_input() -> None:
    assert split_reply("") == ("", "")
    assert split_reply("  \n\n ") == ("", "")


def test_windows_line_endings() -> None:
    text = "Merci.\r\n\r\nLe 03/02/2025 à 10:12, Agent a écrit :\r\n> Bonjour\r\n"
    assert split_reply(text)[0] == "Merci."


@pytest.mark.timeout(60)  # a hang bound, not a timing assertion
def test_megabyte_of_quotes_is_linear() -> None:
    quote = "> " + "Le dossier de Mme Martin est en cours, a écrit quelqu'un " * 2 + "\n"
    marker = "Le lun. 3 févr. 2025 à 10:12, Marie <marie@example.fr>\n"
    text = "Bonjour.\n\n" + (quote * 20 + marker) * 420
    assert len(text) > 1_000_000
    kept, elided = split_reply(text)
    assert kept.startswith("Bonjour.")


@pytest.mark.timeout(60)
def test_one_megabyte_line_without_newline() -> None:
    text = "Le " + "a" * 1_000_000 + " a écrit :"
    kept, _ = split_reply(text)
    assert kept


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Le à,:<>@ a écrit\n-_>De Objet:ÀTR\u00a0x1")), max_size=400))
def test_never_raises_and_never_empties_real_text(text: str) -> None:
    kept, elided = split_reply(text)
    assert isinstance(kept, str) and isinstance(elided, str)
    if text.strip():
        assert kept.strip()
