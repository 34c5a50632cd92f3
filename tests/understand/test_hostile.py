"""Hostile mail: each gets an expected outcome and a bound on memory.

Time bounds are generous (pytest-timeout) and only catch hangs; timing
itself is measured in benchmarks/, not asserted here.
"""

from __future__ import annotations

import os
import tracemalloc

import pytest

from gateway.understand import Understood, read_mail
from gateway.understand.limits import MIB

from .builders import headers, many_parts, nested, single_line_html, with_attachment


@pytest.mark.timeout(60)
def test_50_mb_attachment_dropped_with_bounded_memory():
    raw = with_attachment(os.urandom(50 * MIB), filename="scan énorme.pdf")
    tracemalloc.start()
    try:
        mail = read_mail(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mail.attachments == []
    assert mail.text == "Bonjour, voici la pièce."
    assert any("scan énorme.pdf" in defect and "cap per file: dropped" in defect for defect in mail.defects)
    assert peak < 6 * len(raw), f"peak {peak / MIB:.0f} MiB for a {len(raw) / MIB:.0f} MiB mail"


@pytest.mark.timeout(60)
def test_big_attachment_under_the_cap_is_decoded_from_the_raw_bytes():
    content = os.urandom(3 * MIB)
    mail = read_mail(with_attachment(content, filename="scan.bin"))
    [item] = mail.attachments
    assert item.content == content and item.filename == "scan.bin"


@pytest.mark.timeout(60)
def test_ten_thousand_parts_capped():
    mail = read_mail(many_parts(10_000))
    assert isinstance(mail, Understood)
    assert len(mail.attachments) == 999  # the root multipart counts as one part
    assert "more than 1000 MIME parts: the rest was ignored" in mail.defects


@pytest.mark.timeout(60)
def test_200_nested_multiparts():
    mail = read_mail(nested(200))
    assert isinstance(mail, Understood)
    assert "nesting deeper than 20: inner parts ignored" in mail.defects
    assert mail.subject == "Imbrication"


@pytest.mark.timeout(60)
def test_nesting_deeper_than_the_parser_can_recurse():
    mail = read_mail(nested(3000))
    assert mail.subject == "Imbrication"
    # 6,000 boundary lines: the parser reads the first 2,002 only (the raw mail stays in the spool)
    assert "more than 1000 MIME parts announced: the rest was not read" in mail.defects
    assert mail.text.startswith("--b0") or "nesting" in " ".join(mail.defects)


@pytest.mark.timeout(60)
def test_5_mb_single_line_html():
    raw = single_line_html(5 * MIB)
    assert max(len(line) for line in raw.splitlines()) > 5 * 1000 * 1000
    mail = read_mail(raw)
    assert mail.text.startswith("Bonjour é lien")
    assert mail.html is not None and "e.example" not in mail.html


@pytest.mark.timeout(30)
def test_invalid_bytes_in_headers():
    raw = (
        b"From: \xff\xfe\x00 <\xc3\x28@ex\x80ample.fr>\r\n"
        b"To: \x81\x8d\x8f\x90\x9d\r\n"
        b"Subject: =?utf-8?b?////?= \xe9t\xe9 \x00\x01\r\n"
        b"Message-ID: <\xff@\xfe>\r\n"
        b"Date: \xff\r\n"
        b"Content-Type: text/plain; charset=\xff\xfe\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''%ff%fe\r\n"
        b"\r\nCorps \xe9crit en latin-1.\r\n"
    )
    mail = read_mail(raw)
    assert isinstance(mail, Understood)
    assert "été" in mail.subject and "\x00" not in mail.subject
    assert mail.date is None


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "raw",
    [
        b"\x00" * 10_000,
        b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n--\r\n",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary parameter",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=",
        b"Subject: " + b"=?utf-8?q?x?= " * 20_000 + b"\r\n\r\nx",
        b"To: " + b"a@b, " * 20_000 + b"\r\n\r\nx",
        b"X-Long: " + b"a" * 1_000_000 + b"\r\n\r\nbody",
        headers("Rapport", "multipart/report; report-type=delivery-status; boundary=R")
        + b"\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\nbroken\r\n--R--\r\n",
    ],
)
def test_malformed_mail_never_raises(raw):
    assert isinstance(read_mail(raw), Understood)


def test_nul_bytes_are_dropped_from_text_and_addresses():
    raw = b"From: Nul <nu\x00l@example.fr>\r\nSubject: a\x00b\r\n\r\nCorps\x00 avec NUL\r\n"
    mail = read_mail(raw)
    assert mail.text == "Corps avec NUL"
    assert mail.subject == "ab"
    assert mail.sender is not None and mail.sender.email == "nul@example.fr"


def test_non_bytes_input_never_raises():
    assert isinstance(read_mail("Subject: str input\r\n\r\nCorps"), Understood)  # type: ignore[arg-type]
    assert isinstance(read_mail(None), Understood)  # type: ignore[arg-type]


@pytest.mark.timeout(60)
def test_forward_of_a_mail_with_a_huge_attachment():
    inner = with_attachment(os.urandom(30 * MIB), filename="scan.pdf", text="Mon dossier est bloqué.")
    raw = (
        headers("TR: Pièce jointe", "multipart/mixed; boundary=OUT")
        + b"\r\n--OUT\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJe transfere.\r\n"
        + b"--OUT\r\nContent-Type: message/rfc822\r\n\r\n"
        + inner
        + b"\r\n--OUT--\r\n"
    )
    tracemalloc.start()
    try:
        mail = read_mail(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mail.attachments == []  # the attached mail is over the cap as a whole
    assert mail.forwarded is not None and mail.forwarded.text == "Mon dossier est bloqué."
    assert mail.forwarded.attachments == []  # so is its attachment
    assert peak < 6 * len(raw)
