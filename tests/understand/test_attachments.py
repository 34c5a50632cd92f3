"""Attachments: safe names, types from content, caps, inline images, TNEF, attached mails."""

from __future__ import annotations

import base64

import pytest

from gateway.understand import read_mail
from gateway.understand.part_fields import MAX_FILENAME_CHARS, safe_filename
from gateway.understand.limits import Limits

from .builders import PDF, fixture, headers, with_attachment


def test_rfc2231_and_rfc2047_filenames_with_accents():
    mail = read_mail(fixture("mime-subject-utf8-attachments.eml"))
    names = [item.filename for item in mail.attachments]
    assert names == ["attestation CAF éé.pdf", "relevé de compte.pdf", "pièce.pdf"]
    assert all(item.content == PDF for item in mail.attachments)


def test_type_read_from_content_not_only_declared():
    mail = read_mail(fixture("mime-subject-utf8-attachments.eml"))
    octet = mail.attachments[1]
    assert (octet.declared_type, octet.content_type) == ("application/octet-stream", "application/pdf")
    lying = read_mail(fixture("mime-wrong-content-type.eml"))
    [item] = lying.attachments
    assert (item.declared_type, item.content_type, item.filename) == ("image/jpeg", "application/pdf", "justificatif.pdf")
    assert "attachment 1: declared image/jpeg but content is application/pdf" in lying.defects


def test_inline_cid_image_marked_inline():
    mail = read_mail(fixture("mime-html-only.eml"))
    [image] = mail.attachments
    assert image.inline and image.content_id == "logo.1@mairie.example"
    assert image.content_type == "image/png" and image.filename == "piece-jointe-1.png"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\marie\\Bureau\\avis d'imposition.pdf", "avis d'imposition.pdf"),
        ("rapport\u202egnp.exe", "rapportgnp.exe"),  # right-to-left override removed
        ("bell\x07\x00\r\n.pdf", "bell.pdf"),
        ("...", "piece-jointe-3.bin"),
        ("", "piece-jointe-3.bin"),
        (None, "piece-jointe-3.bin"),
        ('a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"),
        ("CON.txt", "_CON.txt"),
        ("Cafe\u0301.pdf", "Café.pdf"),  # NFC
    ],
)
def test_safe_filename(given, expected):
    assert safe_filename(given, 3) == expected


def test_safe_filename_caps_length_and_keeps_extension():
    name = safe_filename("é" * 400 + ".pdf")
    assert len(name) == MAX_FILENAME_CHARS and name.endswith("é.pdf")


def test_default_name_follows_the_type():
    assert safe_filename("", 2, "application/pdf") == "piece-jointe-2.pdf"
    assert safe_filename("", 1, "message/rfc822") == "piece-jointe-1.eml"


def test_attachment_over_the_cap_is_dropped_with_a_defect():
    limits = Limits(max_attachment_bytes=1000)
    mail = read_mail(with_attachment(PDF * 40), limits=limits)
    assert mail.attachments == []
    assert mail.text == "Bonjour, voici la pièce."
    assert any("over the 1000 bytes cap per file: dropped" in defect for defect in mail.defects)


def test_total_cap_per_mail():
    limits = Limits(max_attachment_bytes=1000, max_total_bytes=1000)
    body = b"".join(
        b"--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=f%d.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" % i + base64.encodebytes(PDF * 5) for i in range(3)
    )
    raw = headers("Trois", "multipart/mixed; boundary=B") + b"\r\n" + body + b"--B--\r\n"
    mail = read_mail(raw, limits=limits)
    assert [item.filename for item in mail.attachments] == ["f0.pdf", "f1.pdf"]
    assert any("cap per mail: dropped" in defect for defect in mail.defects)


def test_attached_message_is_kept_whole_and_becomes_the_forward():
    mail = read_mail(fixture("mime-forward-attached.eml"))
    [attached] = mail.attachments
    assert attached.is_message and attached.content_type == "message/rfc822"
    assert attached.filename == "Demande d'aide RSA.eml"
    assert b"Message-ID: <orig-1@orange.fr>" in attached.content
    assert mail.kind == "forward"
    forwarded = mail.forwarded
    assert forwarded is not None
    assert forwarded.sender is not None and forwarded.sender.email == "claire.martin@orange.fr"
    assert forwarded.sender.name == "Claire Martin"
    assert forwarded.subject == "Demande d'aide RSA"
    assert forwarded.date == "Fri, 7 Feb 2025 11:00:00 +0100"
    assert forwarded.text == "Bonjour, mon RSA est suspendu depuis mon déménagement à Lens.\nClaire Martin"
    assert [item.filename for item in forwarded.attachments] == ["courrier.pdf"]
    assert mail.forwarder_note.startswith("Bonjour,\n\nJe vous transfère la demande de Mme Martin")
    assert mail.trimmed == mail.forwarder_note


def _mail_with_winmail(blob: bytes) -> bytes:
    return (
        headers("Documents", "multipart/mixed; boundary=B")
        + b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nCi-joint.\r\n"
        + b'--B\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(blob)
        + b"--B--\r\n"
    )


def test_winmail_dat_is_unpacked(corpora):
    examples = corpora / "koodaamo+tnefparse" / "tests" / "examples"
    mail = read_mail(_mail_with_winmail((examples / "umlaut.tnef").read_bytes()))
    names = [item.filename for item in mail.attachments]
    assert names == ["TBZ PARIV GmbH.jpg", "image003.jpg", "UmlautAnhang-äüö.txt"]
    assert mail.attachments[0].content_type == "image/jpeg"
    two = read_mail(_mail_with_winmail((examples / "two-files.tnef").read_bytes()))
    assert [item.filename for item in two.attachments] == ["AUTHORS", "README"]


def test_unreadable_winmail_dat_is_kept_as_is():
    mail = read_mail(_mail_with_winmail(b"not a TNEF blob at all"))
    [item] = mail.attachments
    assert item.filename == "winmail.dat"
    assert any("winmail.dat not readable" in defect for defect in mail.defects)


def test_long_base64_looking_text_is_kept_exactly():
    """Runs lifted out before parsing (bigparts) are put back in text bodies."""
    lines = "".join(f"Ligne{i:07d}ABCDEFGHIJ\r\n" for i in range(11_000))  # 264 KB of base64 alphabet: lifted
    head = headers("Long", "text/plain; charset=utf-8") + b"Content-Transfer-Encoding: 7bit\r\n\r\n"
    raw = head + b"Debut\r\n" + lines.encode() + b"Fin\r\n"
    mail = read_mail(raw)
    assert mail.text == "Debut\n" + lines.replace("\r\n", "\n") + "Fin"


def test_big_attachment_inside_an_attached_mail_is_exact():
    content = bytes(range(256)) * 4096  # 1 MiB
    inner = with_attachment(content, filename="releve.bin", text="Original.")
    raw = (
        headers("Fwd: relevé", "multipart/mixed; boundary=OUT")
        + b"\r\n--OUT\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner
        + b"\r\n--OUT--\r\n"
    )
    mail = read_mail(raw)
    [attached] = mail.attachments
    assert attached.is_message and base64.encodebytes(content)[:1000].replace(b"\n", b"\r\n") in attached.content
    assert mail.forwarded is not None
    [original] = mail.forwarded.attachments
    assert original.content == content and original.filename == "releve.bin"


def test_base64_encoded_attached_message_is_read_too():
    inner = fixture("mime-subject-latin1.eml")
    raw = (
        headers("TR: Dossier RSA", "multipart/mixed; boundary=OUT")
        + b"\r\n--OUT\r\nContent-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(inner)
        + b"\r\n--OUT--\r\n"
    )
    mail = read_mail(raw)
    [attached] = mail.attachments
    assert attached.is_message and attached.content == inner
    assert mail.forwarded is not None and mail.forwarded.sender is not None
    assert mail.forwarded.sender.email == "francois.perez@example.fr"
    assert mail.forwarded.subject == "Dossier RSA bloqué après déménagement"
