"""Outbound mail reads back exactly in a standards-following parser."""

from __future__ import annotations

from email import message_from_bytes, policy

from gateway.outbound.mime import address_header, compose


def read_back(raw: bytes):
    return message_from_bytes(raw, policy=policy.default)


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
    from gateway.outbound.mime import address_header

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


def all_defects(mail) -> list:
    return [defect for part in mail.walk() for defect in part.defects]


def test_a_line_break_in_a_display_name_cannot_add_a_header():
    sneaky = address_header("Marie\r\nBcc: victime@example.org", "aplus@aplus.localhost")
    mail = read_back(compose([("From", sneaky), ("Subject", "x\nX-Injected: oui")], "t", "<p>t</p>"))
    assert mail["Bcc"] is None and mail["X-Injected"] is None
    assert mail["From"].addresses[0].addr_spec == "aplus@aplus.localhost"
    assert not all_defects(mail)


def test_long_headers_are_folded_and_read_back_whole():
    references = [f"<m.k7p3qd.{n:012x}@aplus.localhost>" for n in range(9)]
    subject = "Re: [A+ #K7P3QD] " + " ".join(["Problème de versement de la prime d'activité"] * 4)
    raw = compose([("Subject", subject), ("References", " ".join(references))], "t", "<p>t</p>")
    head = raw.split(b"\n\n", 1)[0]
    assert max(len(line) for line in head.split(b"\n")) <= 78
    mail = read_back(raw)
    assert mail["References"].split() == references
    assert mail["Subject"] == subject


def test_a_long_filename_keeps_its_extension_and_an_odd_type_becomes_octet_stream():
    name = "attestation de paiement de la caisse d'allocations familiales très longue " * 4 + ".pdf"
    raw = compose([("Subject", "x")], "t", "<p>t</p>", [(name, "application/pdf\r\nX-Evil: 1", b"%PDF")])
    assert max(len(line) for line in raw.split(b"\n")) < 998
    attachment = next(read_back(raw).iter_attachments())
    assert attachment.get_content_type() == "application/octet-stream"
    assert attachment.get_filename().endswith(".pdf") and len(attachment.get_filename()) <= 120
    assert attachment.get_content() == b"%PDF"


def test_the_boundary_is_never_found_in_the_content(monkeypatch):
    import secrets

    tokens = iter(["a" * 24, "b" * 24, "c" * 24])
    monkeypatch.setattr(secrets, "token_hex", lambda _n: next(tokens))
    inner = b"Subject: piege\n\n--=_aplus_" + b"a" * 24 + b"\nligne qui ressemble a une frontiere\n"
    mail = read_back(compose([("Subject", "x")], "t", "<p>t</p>", [("piege.eml", "message/rfc822", inner)]))
    attached = next(mail.iter_attachments()).get_content()
    assert "ressemble a une frontiere" in attached.get_content()
    assert not all_defects(mail)


def test_an_attached_mail_in_8bit_is_declared_so():
    inner = "From: a@example.org\nSubject: été\nContent-Type: text/plain; charset=utf-8\n\nPrime d'activité réduite.\n".encode()
    raw = compose([("Subject", "x")], "t", "<p>t</p>", [("transfert.eml", "message/rfc822", inner)])
    assert b"Content-Transfer-Encoding: 8bit" in raw
    attached = next(read_back(raw).iter_attachments()).get_content()
    assert "Prime d'activité réduite." in attached.get_content()


def test_text_parts_are_quoted_printable_and_read_back_exactly():
    """Quoted-printable keeps French text short on the wire and compressible in the outbox."""
    from email import message_from_bytes, policy

    from gateway.outbound.mime import compose

    text = "Bonjour Agnès,\nFrom the start: « RSA » reçu, 12 € \t \n" + "é" * 200 + "\n.\nfin sans saut"
    raw = compose([("From", "aplus@aplus.localhost"), ("Subject", "Essai")], text, "<p>Reçu</p>")
    assert b"Content-Transfer-Encoding: quoted-printable" in raw
    assert b"\nFrom " not in raw  # an mbox relay would mangle it
    assert max(len(line) for line in raw.split(b"\n")) <= 78
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail.get_body(("plain",)).get_content() == text
    assert mail.get_body(("html",)).get_content() == "<p>Reçu</p>"
