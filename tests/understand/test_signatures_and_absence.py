"""The end of a mail and out-of-office notices without headers: the choices, one case each."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from gateway.understand import read_mail
from gateway.understand.interleaved import shorten_quotes
from gateway.understand.signatures import short_signature, split_signature


def test_closing_formula_kept_identity_block_apart_notices_dropped():
    text, signature = split_signature(
        "Bonjour,\n\nC'est réglé.\n\nBien cordialement,\n\nLéa Roy\nCAF du Nord\n"
        "\nCe courriel est confidentiel et destiné uniquement à son destinataire."
    )
    assert text == "Bonjour,\n\nC'est réglé.\n\nBien cordialement,"
    assert signature == "Léa Roy\nCAF du Nord"


def test_a_last_sentence_is_never_taken_for_a_signature():
    text, signature = split_signature("Bonjour,\n\nJe vous remercie.\n\nJe joins l'attestation de la CAF.")
    assert signature == "" and text.endswith("Je joins l'attestation de la CAF.")


def test_a_lone_name_under_the_text_is_the_signature_when_it_is_the_senders():
    assert split_signature("Merci pour tout.\n\nPaulette Giraud", sender_name="Paulette Giraud")[1] == "Paulette Giraud"


def test_the_usagers_copy_of_a_signature_has_no_contact_details():
    block = "Awa Diallo\nConseillère\nCAF 13\n12 rue de Rome, 13001 Marseille\nTél. : 04 91 00 00 00\nawa@caf.fr"
    assert short_signature(block, for_agent=False) == "Awa Diallo\nConseillère\nCAF 13"
    assert short_signature(block, for_agent=True) == "Awa Diallo\nConseillère\nCAF 13\n12 rue de Rome, 13001 Marseille"


def test_interleaved_answers_keep_one_line_of_each_question():
    text = "> Bonjour,\n> Quel est votre numéro ?\nLe 1234.\n>\n> --\n> A+ — dossier X\n\nMerci"
    assert shorten_quotes(text) == "> Quel est votre numéro ?\nLe 1234.\n\nMerci"


def _reply(body: str, *, answers_us: bool = True) -> bytes:
    mail = EmailMessage()
    mail["From"] = "Chantal Dumont <chantal.dumont@orange.fr>"
    mail["To"] = "aplus+x@aplus.localhost"
    mail["Subject"] = "RE: [A+ #ABC123] Dossier"
    if answers_us:
        mail["In-Reply-To"] = "<m-1@aplus.localhost>"
    mail.set_content(body)
    return mail.as_bytes()


@pytest.mark.parametrize(
    "body",
    [
        "Je suis absente du 3 au 14 novembre inclus. Pour toute urgence, contactez l'accueil au 01 00 00 00 00.",
        "Réponse automatique : je suis en congé jusqu'au 2 janvier.",
        "Je n'ai pas accès à ma messagerie. Votre message ne sera pas transféré.",
    ],
)
def test_an_absence_notice_answering_our_mail_is_automatic(body):
    assert read_mail(_reply(body)).automatic.kind == "auto_reply"


@pytest.mark.parametrize(
    "body, answers_us",
    [
        ("je serai absente demain, rappelez-moi jeudi au 06 11 22 33 44", True),
        ("Je suis absente du 3 au 14 novembre, pouvez-vous m'appeler avant ?", True),  # a question: a person
        ("Je suis absente du 3 au 14 novembre, mon dossier de CSS est bloqué.", False),  # a new request
        ("J'étais absent du 6 au 10 octobre, je reprends le dossier aujourd'hui.", True),
    ],
)
def test_a_person_who_mentions_an_absence_is_a_person(body, answers_us):
    assert read_mail(_reply(body, answers_us=answers_us)).automatic.kind == "human"
