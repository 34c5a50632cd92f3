"""Forward detection and extraction, French clients first."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.understand.forwards import ForwardedText, find_forward, is_forward_subject, parse_address
from gateway.understand.model import Address

BODY = "Bonjour,\nJe n'ai pas reçu mon chèque énergie cette année.\nLouis Bertrand"


@pytest.mark.parametrize(
    "subject",
    ["TR : Aide", "TR: Aide", "Tr: Aide", "tr:Aide", "Fwd: Aide", "FWD : Aide", "FW: Aide", "Fw : Aide",
     "RE: TR: Aide", "Re : Fwd : Aide", "[Ticket 42] TR : Aide", "TR :", "Transf: Aide"],
)
def test_forward_subjects(subject: str) -> None:
    assert is_forward_subject(subject)


@pytest.mark.parametrize(
    "subject", ["RE: Aide", "Re : Aide", "Aide au logement", "Travaux : devis", "TRES URGENT", "", "Fwdx: a"]
)
def test_not_forward_subjects(subject: str) -> None:
    assert not is_forward_subject(subject)


@pytest.mark.parametrize(
    ("value", "email", "name"),
    [
        ("Louis Bertrand <Louis.Bertrand@Example.fr>", "louis.bertrand@example.fr", "Louis Bertrand"),
        ("louis.bertrand@example.fr", "louis.bertrand@example.fr", ""),
        ("Louis Bertrand [mailto:louis.bertrand@example.fr]", "louis.bertrand@example.fr", "Louis Bertrand"),
        ("Louis Bertrand <mailto:louis.bertrand@example.fr>", "louis.bertrand@example.fr", "Louis Bertrand"),
        ('"Bertrand, Louis" <louis.bertrand@example.fr>', "louis.bertrand@example.fr", "Bertrand, Louis"),
        ("« Louis Bertrand » <louis.bertrand@example.fr>", "louis.bertrand@example.fr", "Louis Bertrand"),
        ("Louis<mailto:louis@example.fr> <louis@example.fr<mailto:louis@example.fr>>", "louis@example.fr", "Louis"),
    ],
)
def test_parse_address_forms(value: str, email: str, name: str) -> None:
    assert parse_address(value) == Address(email=email, name=name)


def test_parse_address_without_email() -> None:
    assert parse_address("Louis Bertrand") is None


NOTE = "Bonjour,\n\nJe vous transfère la demande de M. Bertrand.\n\nCordialement,\nIsabelle Noël"

CASES = {
    "gmail_fr": (
        "TR: Chèque énergie",
        NOTE + "\n\n---------- Message transféré ---------\n"
        "De : Louis Bertrand <louis.bertrand@example.fr>\n"
        "Date: lun. 3 févr. 2025 à 10:12\nSubject: Chèque énergie\nTo: <fs@example.fr>\n\n" + BODY,
        "lun. 3 févr. 2025 à 10:12",
    ),
    "gmail_en": (
        "Fwd: Chèque énergie",
        NOTE + "\n\n---------- Forwarded message ---------\n"
        "From: Louis Bertrand <louis.bertrand@example.fr>\n"
        "Date: Mon, Feb 3, 2025 at 10:12 AM\nSubject: Chèque énergie\nTo: <fs@example.fr>\n\n" + BODY,
        "Mon, Feb 3, 2025 at 10:12 AM",
    ),
    "outlook_fr_underscores": (
        "TR : Chèque énergie",
        NOTE + "\n\n________________________________\n"
        "De : Louis Bertrand <louis.bertrand@example.fr>\n"
        "Envoyé : lundi 3 février 2025 10:12\nÀ : fs@example.fr\nObjet : Chèque énergie\n\n" + BODY,
        "lundi 3 février 2025 10:12",
    ),
    "outlook_fr_message_origine": (
        "TR: Chèque énergie",
        NOTE + "\n\n-----Message d'origine-----\n"
        "De : Louis Bertrand [mailto:louis.bertrand@example.fr]\n"
        "Envoyé : lundi 3 février 2025 10:12\nÀ : fs@example.fr\nObjet : Chèque énergie\n\n" + BODY,
        "lundi 3 février 2025 10:12",
    ),
    "outlook_en_original_message": (
        "FW: Chèque énergie",
        NOTE + "\n\n-----Original Message-----\n"
        "From: Louis Bertrand <mailto:louis.bertrand@example.fr>\n"
        "Sent: Monday, February 3, 2025 10:12 AM\nTo: fs@example.fr\nSubject: Chèque énergie\n\n" + BODY,
        "Monday, February 3, 2025 10:12 AM",
    ),
    "thunderbird_fr": (
        "Fwd: Chèque énergie",
        NOTE + "\n\n-------- Message transféré --------\n"
        "Sujet : \tChèque énergie\nDate : \tMon, 3 Feb 2025 10:12:00 +0100\n"
        "De : \tLouis Bertrand <louis.bertrand@example.fr>\nPour : \tfs@example.fr\n\n\n" + BODY,
        "Mon, 3 Feb 2025 10:12:00 +0100",
    ),
    "thunderbird_en": (
        "Fwd: Chèque énergie",
        NOTE + "\n\n-------- Forwarded Message --------\n"
        "Subject: \tChèque énergie\nDate: \tMon, 3 Feb 2025 10:12:00 +0100\n"
        "From: \tLouis Bertrand <louis.bertrand@example.fr>\nTo: \tfs@example.fr\n\n" + BODY,
        "Mon, 3 Feb 2025 10:12:00 +0100",
    ),
    "apple_fr": (
        "Chèque énergie",  # Apple Mail keeps the subject when the user edits it
        NOTE + "\n\nEnvoyé de mon iPhone\n\nDébut du message réexpédié :\n\n"
        "> De: Louis Bertrand <louis.bertrand@example.fr>\n> Objet: Chèque énergie\n"
        "> Date: 3 février 2025 à 10:12:45 UTC+1\n> À: fs@example.fr\n>\n"
        + "\n".join("> " + line for line in BODY.splitlines()),
        "3 février 2025 à 10:12:45 UTC+1",
    ),
    "apple_en": (
        "Fwd: Chèque énergie",
        NOTE + "\n\nBegin forwarded message:\n\n"
        "From: Louis Bertrand <louis.bertrand@example.fr>\nSubject: Chèque énergie\n"
        "Date: February 3, 2025 at 10:12:45 AM GMT+1\nTo: fs@example.fr\n\n" + BODY,
        "February 3, 2025 at 10:12:45 AM GMT+1",
    ),
    "yahoo_fr": (
        "Fwd: Chèque énergie",
        NOTE + "\n\n----- Message transmis -----\n"
        "De : Louis Bertrand <louis.bertrand@example.fr>\nÀ : fs@example.fr\n"
        "Envoyé : mardi 4 février 2025 à 09:15:03 UTC+1\nObjet : Chèque énergie\n\n" + BODY,
        "mardi 4 février 2025 à 09:15:03 UTC+1",
    ),
    "yahoo_fr_one_line": (
        "Fwd: Chèque énergie",
        NOTE + "\n\n   ----- Message transmis ----- De : Louis Bertrand <louis.bertrand@example.fr>"
        "À : fs@example.fr Envoyé : mardi 4 février 2025 à 09:15:03 UTC+1Objet : Chèque énergie\n " + BODY,
        "mardi 4 février 2025 à 09:15:03 UTC+1",
    ),
    "zimbra_fr": (
        "TR: Chèque énergie",
        NOTE + "\n\n----- Mail transféré -----\n"
        'De: "Louis Bertrand" <louis.bertrand@example.fr>\nÀ: fs@example.fr\n'
        "Envoyé: Lundi 3 Février 2025 10:12:33\nObjet: Chèque énergie\n\n" + BODY,
        "Lundi 3 Février 2025 10:12:33",
    ),
    "outlook_2019_fr_wrote": (
        "TR: Chèque énergie",
        NOTE + "\n\nLe 03/02/2025 10:12, « Louis Bertrand » <louis.bertrand@example.fr> a écrit :\n\n"
        + "\n".join("    " + line for line in BODY.splitlines()),
        "03/02/2025 10:12",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_formats(name: str) -> None:
    subject, text, date = CASES[name]
    got = find_forward(subject, text)
    assert isinstance(got, ForwardedText), name
    assert got.sender == Address("louis.bertrand@example.fr", "Louis Bertrand")
    assert got.subject == "Chèque énergie"
    assert got.date == date
    assert got.text == BODY
    assert got.note == NOTE


def test_orange_webmail_forward() -> None:
    text = (
        "Bonjour, voici le message de ma mère.\n\nGérard\n\n"
        "> Message du 03/02/25 10:12\n"
        '> De : "Jeanne Lambert" <jeanne.lambert@orange.fr>\n'
        "> A : gerard.lambert@orange.fr\n> Copie à :\n> Objet : Mon dossier retraite\n>\n"
        "> Bonjour Gérard, peux-tu transmettre ?\n> Maman\n"
    )
    got = find_forward("TR : Mon dossier retraite", text)
    assert got == ForwardedText(
        sender=Address("jeanne.lambert@orange.fr", "Jeanne Lambert"),
        subject="Mon dossier retraite",
        date="03/02/25 10:12",
        text="Bonjour Gérard, peux-tu transmettre ?\nMaman",
        note="Bonjour, voici le message de ma mère.\n\nGérard",
    )


def test_note_loses_the_forwarders_signature_and_footer() -> None:
    text = (
        "Pour suite à donner.\n\n-- \nIsabelle Noël\nFrance Services\n\n"
        "---------- Message transféré ---------\nDe : Louis <louis@example.fr>\n"
        "Date: lun. 3 févr. 2025 à 10:12\nSubject: Aide\n\nBonjour"
    )
    got = find_forward("TR: Aide", text)
    assert got is not None and got.note == "Pour suite à donner."
    got = find_forward("TR: Aide", text.replace("-- \nIsabelle Noël\nFrance Services", "Envoyé de mon iPhone"))
    assert got is not None and got.note == "Pour suite à donner."


def test_forward_without_note_has_empty_note() -> None:
    subject, text, _ = CASES["gmail_fr"]
    got = find_forward(subject, text.replace(NOTE, ""))
    assert got is not None and got.note == ""


def test_subject_falls_back_to_the_mail_subject() -> None:
    got = find_forward("TR : Chèque énergie", CASES["outlook_2019_fr_wrote"][1])
    assert got is not None and got.subject == "Chèque énergie"


def test_original_sender_without_address_gives_no_sender() -> None:
    text = "-----Message d'origine-----\nDe : Louis Bertrand\nEnvoyé : lundi 3 février 2025\nObjet : Aide\n\nBonjour"
    got = find_forward("TR: Aide", text)
    assert got is not None and got.sender is None and got.text == "Bonjour"


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("RE: Aide", "Merci.\n\nLe 03/02/2025 à 10:12, Agent <agent@example.fr> a écrit :\n> Bonjour"),
        ("Aide", "Merci.\n\nLe 03/02/2025 à 10:12, Agent <agent@example.fr> a écrit :\n> Bonjour"),
        ("RE: Aide", "Merci.\n\n-----Message d'origine-----\nDe : Agent <a@example.fr>\nEnvoyé : lundi\nObjet : Aide\n\nx"),
        ("RE: Aide", "Merci.\n\nDe : Agent <a@example.fr>\nEnvoyé : lundi 3 février 2025\nÀ : moi@example.fr\nObjet : RE: Aide\n\nx"),
        ("Aide", "Bonjour,\nJe voudrais un rendez-vous.\nMerci"),
        ("TR: Aide", "Bonjour,\nrien de transféré ici.\n"),
        ("RE: TR: Aide", "Merci.\n\nLe 03/02/2025 à 10:12, Agent <agent@example.fr> a écrit :\n> Bonjour"),
        ("RE: TR: Aide", "Merci.\n\n____________\nDe : Agent <a@example.fr>\nEnvoyé : lundi\nObjet : TR: Aide\n\nx"),
        ("TR: Aide", ""),
    ],
)
def test_not_a_forward(subject: str, text: str) -> None:
    assert find_forward(subject, text) is None


def test_forward_banner_counts_whatever_the_subject() -> None:
    subject, text, _ = CASES["gmail_fr"]
    assert find_forward("Demande de M. Bertrand", text) is not None
    assert find_forward("RE: TR: Chèque énergie", text) is not None


def test_outermost_forward_wins() -> None:
    subject, text, _ = CASES["gmail_fr"]
    nested = text + (
        "\n\n---------- Forwarded message ---------\nFrom: Autre <autre@example.fr>\n"
        "Date: Sun, Feb 2, 2025\nSubject: Vieux\n\nAncien message"
    )
    got = find_forward(subject, nested)
    assert got is not None and got.sender is not None
    assert got.sender.email == "louis.bertrand@example.fr"
    assert got.text.endswith("Ancien message")


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("TR:Fwd ")), max_size=20),
    st.text(alphabet=st.sampled_from(list("-De :<>@x.fr\nObjet Envoyé>___Message transféré a écrit")), max_size=400),
)
def test_never_raises(subject: str, text: str) -> None:
    got = find_forward(subject, text)
    assert got is None or isinstance(got, ForwardedText)


@pytest.mark.timeout(60)  # a hang bound, not a timing assertion
def test_megabyte_body_is_linear() -> None:
    text = ("De : x <x@example.fr>\n" + "> " + "a" * 60 + "\n") * 12000
    find_forward("TR: x", text)
