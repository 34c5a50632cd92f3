"""Outbound mail reads back exactly in a standards-following parser."""

from __future__ import annotations

from email import message_from_bytes, policy

from gateway.mime import compose


def read_back(message):
    return message_from_bytes(message.as_bytes(), policy=policy.default)


def test_french_names_subjects_and_filenames_survive_encoding():
    message = compose(
        [("From", "aplus@aplus.localhost"),
         ("Subject", "Re: [A+ #K7P3QD] Problème élevé à Saint-Étienne")],
        "Bonjour, voici l'attestation.", "<p>Bonjour, voici l'attestation.</p>",
        [("attestation CAF été.pdf", "application/pdf", b"%PDF-1.4 contenu")],
    )
    mail = read_back(message)
    assert mail["Subject"] == "Re: [A+ #K7P3QD] Problème élevé à Saint-Étienne"
    assert mail.get_body(("plain",)).get_content().strip() == "Bonjour, voici l'attestation."
    attachment = next(mail.iter_attachments())
    assert attachment.get_filename() == "attestation CAF été.pdf"
    assert attachment.get_content() == b"%PDF-1.4 contenu"


def test_non_ascii_display_names_are_encoded_words():
    from gateway.mime import address_header

    header = address_header("Renée Lefèvre (CAF 13) via A+", "aplus@aplus.localhost")
    assert header.isascii() and "=?utf-8?" in header
    message = compose([("From", header), ("Subject", "x")], "t", "<p>t</p>")
    sender = read_back(message)["From"].addresses[0]
    assert (sender.display_name, sender.addr_spec) == ("Renée Lefèvre (CAF 13) via A+", "aplus@aplus.localhost")


def test_an_attached_mail_is_relayed_as_a_mail():
    original = b"From: Claire <claire@example.org>\nSubject: Demande RSA\n\nBonjour, mon RSA est suspendu.\n"
    message = compose([("Subject", "x")], "t", "<p>t</p>", [("Demande RSA.eml", "message/rfc822", original)])
    attachment = next(read_back(message).iter_attachments())
    assert attachment.get_content_type() == "message/rfc822"
    inner = attachment.get_content()
    assert inner["Subject"] == "Demande RSA" and "mon RSA est suspendu" in inner.get_content()
