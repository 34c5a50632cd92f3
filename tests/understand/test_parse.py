"""Headers, charsets and bodies of real-looking French mails."""

from __future__ import annotations

from datetime import datetime

from gateway.understand import read_mail
from gateway.understand.model import Address
from gateway.understand.parse import decode_bytes, decode_header_value, parse_addresses, parse_message_ids

from .builders import fixture


def test_rfc2047_latin1_subject_and_sender_name():
    mail = read_mail(fixture("mime-subject-latin1.eml"))
    assert mail.subject == "Dossier RSA bloqué après déménagement"
    assert mail.sender == Address("francois.perez@example.fr", "François Pérez")
    assert mail.message_id == "<20250203101200.1234@example.fr>"
    assert mail.date == datetime.fromisoformat("2025-02-03T10:12:00+01:00")
    assert "mon dossier RSA est resté à la CAF de Paris" in mail.text
    assert mail.defects == []


def test_rfc2047_utf8_subject_split_over_folded_words():
    mail = read_mail(fixture("mime-subject-utf8-attachments.eml"))
    assert mail.subject == "Problème de versement de l'allocation logement – CAF des Bouches-du-Rhône"
    assert mail.sender == Address("marie.dupont@orange.fr", "Dupont, Marie")
    assert mail.cc == [Address("helene@france-services.example", "Hélène Aidante")]
    assert mail.in_reply_to == "<ticket-42@aplus.localhost>"
    assert mail.references == ["<ticket-41@aplus.localhost>", "<ticket-42@aplus.localhost>"]
    assert mail.kind == "reply"
    assert mail.headers["subject"] == mail.subject


def test_quoted_printable_latin1_without_declared_charset():
    mail = read_mail(fixture("mime-qp-latin1-nocharset.eml"))
    assert "je m'appelle Hélène" in mail.text
    assert "versée depuis décembre" in mail.text  # soft line break joined
    assert "à vous" in mail.text


def test_8bit_header_bytes_are_guessed_not_replaced():
    mail = read_mail(fixture("mime-8bit-headers.eml"))
    assert mail.subject == "Problème avec ma carte vitale"  # latin-1 bytes
    assert mail.sender == Address("renee@free.fr", "Renée Lefèvre")  # utf-8 bytes
    assert mail.date is None  # "not a date at all"
    assert any("unknown charset" in defect for defect in mail.defects)
    assert "arrivée" in mail.text


def test_alternative_prefers_plain_text_and_keeps_sanitised_html():
    mail = read_mail(fixture("mime-alternative.eml"))
    assert mail.subject == "Réponse CPAM"
    assert mail.text == "Le dossier est traité. Bonne journée."
    assert mail.html == "<p>Le dossier est traité. <b>Bonne journée.</b></p>"


def test_broken_boundary_keeps_the_text():
    mail = read_mail(fixture("mime-broken-boundary.eml"))
    assert "mon dossier France Travail est bloqué" in mail.text
    assert any("Boundary" in defect for defect in mail.defects)
    assert mail.attachments == []


def test_missing_close_boundary_keeps_text_and_truncated_file():
    mail = read_mail(fixture("mime-missing-close-boundary.eml"))
    assert mail.text == "Voici la pièce demandée."
    assert [item.filename for item in mail.attachments] == ["avis.pdf"]
    assert "mime: CloseBoundaryNotFoundDefect" in mail.defects


def test_declared_charset_that_lies_falls_back():
    text = "Crème brûlée".encode("utf-8")
    defects: list[str] = []
    assert decode_bytes(text, "us-ascii", defects) == "Crème brûlée"
    assert decode_bytes("Crème".encode("cp1252"), "utf-8", defects) == "Crème"
    assert decode_bytes(b"caf\x92", "iso-8859-1") == "caf\u2019"  # windows-1252 under a latin-1 label
    assert decode_bytes(b"x", "x-no-such-charset", defects) == "x"
    assert "body: unknown charset 'x-no-such-charset'" in defects


def test_encoded_words_with_unknown_or_wrong_charset_never_raise():
    assert decode_header_value("=?x-unknown?q?caf=E9?=") == "café"
    assert decode_header_value("=?utf-8?q?caf=E9?=") == "café"  # not utf-8: windows-1252 tried
    assert decode_header_value("=?utf-8?b?Q2Fmw6k?=") == "Café"  # missing padding
    assert decode_header_value("=?iso-8859-1*fr?q?R=E9ponse?= automatique") == "Réponse automatique"
    assert decode_header_value("=?utf-8?q?a?= =?utf-8?q?b?=") == "ab"  # whitespace between words dropped
    assert decode_header_value("bell\x07 here") == "bell here"
    broken = decode_header_value("=?UTF-8?B?\udc80QUJD?= suite")  # 8-bit byte inside a base64 word
    assert broken.endswith(" suite") and not any("\udc80" <= ch <= "\udcff" for ch in broken)


def test_addresses_lower_cased_with_decoded_names():
    found = parse_addresses('=?utf-8?q?Dupont=2C_Marie?= <Marie@X.FR>, "Jean" <JEAN@y.fr>, undisclosed-recipients:;')
    assert found == [Address("marie@x.fr", "Dupont, Marie"), Address("jean@y.fr", "Jean")]
    assert parse_addresses("") == []


def test_message_ids_keep_angle_brackets():
    assert parse_message_ids("<a@b> <c@d>\r\n <a@b>") == ["<a@b>", "<c@d>"]
    assert parse_message_ids("bare@id.example") == ["<bare@id.example>"]
    assert parse_message_ids("") == []


def test_mail_without_headers_or_body():
    for raw in (b"", b"\r\n", b"just text, no headers at all", b"Subject: only\r\n"):
        mail = read_mail(raw)
        assert mail.sender is None
        assert mail.kind == "request"
