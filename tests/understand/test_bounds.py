"""Bounds applied before the parsers run (gateway/understand/limits.py).

Each test builds the hostile shape that used to hold the processor (36 s for
1 MB of nested ``<div>``, no text at 1,000 levels, 340 MB for a folded
header) and checks the outcome: the text is still there, the cap is named in
the defects. Timings are in benchmarks/understand_hostile.py.
"""

from __future__ import annotations

import os

import pytest

from gateway.understand import read_mail
from gateway.understand.html import html_to_text, sanitise_html
from gateway.understand.limits import KIB, MIB, Limits, bound_html, flatten_html, strip_tags

from .builders import headers, many_parts, with_attachment


def html_mail(html: bytes) -> bytes:
    return headers("HTML", "text/html; charset=utf-8") + b"\r\n" + html + b"\r\n"


@pytest.mark.timeout(30)
def test_html_nested_a_thousand_levels_still_gives_its_text():
    html = "<div>" * 1000 + "Mon dossier RSA est bloqué" + "</div>" * 1000
    mail = read_mail(html_mail(html.encode()))
    assert mail.text == "Mon dossier RSA est bloqué"
    assert "Mon dossier RSA est bloqué" in mail.html


@pytest.mark.timeout(30)
def test_a_megabyte_of_nested_divs_is_flattened_before_the_sanitiser():
    mail = read_mail(html_mail(b"<div>mot " * (MIB // 9)))
    assert mail.text.startswith("mot")
    assert mail.html.count("<div>") <= Limits().max_html_depth


def test_flattening_keeps_every_word_and_bounds_the_depth():
    html = "".join(f"<div><span>w{i} " for i in range(500))
    defects: list[str] = []
    flat = flatten_html(html, 50, defects)
    assert all(f"w{i} " in flat for i in range(500))
    assert flat.count("<div>") + flat.count("<span>") == 50
    assert defects == ["HTML nested deeper than 50: 950 tags flattened"]


def test_flattening_leaves_ordinary_html_alone():
    html = "<table>" + "<tr><td>a</td><td>b</td></tr>" * 500 + "</table><p>x<p>y<br><img src=cid:1>"
    assert flatten_html(html, 10) == html  # siblings, implicit </p> and void tags open no level


def test_sanitised_html_shows_the_head_of_a_huge_body():
    html = "<p>" + "Bonjour " * (200 * KIB) + "</p>"
    shown = sanitise_html(html, limits=Limits(max_html_chars=64 * KIB))
    assert shown.startswith("<p>Bonjour") and len(shown) < 70 * KIB


@pytest.mark.timeout(30)
@pytest.mark.parametrize("html", ["<" * (2 * MIB), "<script>x" * 50_000, "<!--" * 200_000, "<a " * 300_000])
def test_text_of_any_tag_soup_in_linear_time(html):
    assert isinstance(strip_tags(html), str)
    assert isinstance(html_to_text(html), str)
    assert isinstance(bound_html(html, Limits()), str)


def test_scripts_and_styles_are_not_text():
    assert strip_tags("a<script>var x = '<b>';</script>b<style>p {}</style>c").replace("\n", "") == "abc"


@pytest.mark.timeout(60)
def test_a_20_mb_folded_header_is_cut_and_the_mail_still_read():
    folds = b"".join(b"\r\n x" + b"y" * 70 for _ in range(20 * MIB // 74))
    raw = b"From: Marie <marie@example.fr>\r\nSubject: Bonjour" + folds + b"\r\nTo: aplus@aplus.localhost\r\n\r\nMon RSA.\r\n"
    mail = read_mail(raw)
    assert mail.sender.email == "marie@example.fr" and mail.text == "Mon RSA."
    assert mail.subject.startswith("Bonjour") and len(mail.subject) <= Limits().max_header_bytes
    assert any(defect.startswith("header block over the caps") for defect in mail.defects)


def test_ten_thousand_headers_keep_the_first_ones():
    raw = b"From: marie@example.fr\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10_000)) + b"\r\nTexte\r\n"
    mail = read_mail(raw)
    assert mail.sender.email == "marie@example.fr" and mail.text == "Texte"
    assert len(mail.headers) <= Limits().max_headers


@pytest.mark.timeout(60)
def test_a_long_text_is_read_up_to_the_cap_and_the_cut_is_named():
    raw = headers() + b"\r\n" + b"Bonjour, ligne de texte.\r\n" * (10 * MIB // 26)
    mail = read_mail(raw, limits=Limits(max_parsed_bytes=MIB))
    assert mail.text.startswith("Bonjour, ligne de texte.")
    assert MIB * 0.4 < len(mail.text) <= MIB
    assert any("only the beginning was read" in defect for defect in mail.defects)


def test_a_file_cut_by_the_cap_is_dropped_not_kept_truncated():
    quoted = (headers("QP", 'multipart/mixed; boundary="B"') + b"\r\n--B\r\nContent-Type: text/plain\r\n\r\nVoici.\r\n"
              b"--B\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"a.bin\"\r\n"
              b"Content-Transfer-Encoding: quoted-printable\r\n\r\n" + b"abc=3D def\r\n" * 200_000 + b"--B--\r\n")
    mail = read_mail(quoted, limits=Limits(max_parsed_bytes=MIB))
    assert mail.text == "Voici." and mail.attachments == []
    assert any("a.bin" in defect and "cut where the mail was too long" in defect for defect in mail.defects)


def test_a_big_base64_file_is_not_counted_in_the_parsed_bytes():
    content = os.urandom(3 * MIB)
    mail = read_mail(with_attachment(content), limits=Limits(max_parsed_bytes=MIB))
    assert [item.content for item in mail.attachments] == [content]


@pytest.mark.timeout(60)
def test_a_hundred_thousand_parts_are_not_all_given_to_the_parser():
    mail = read_mail(many_parts(100_000))
    assert len(mail.attachments) < 1000
    assert "more than 1000 MIME parts announced: the rest was not read" in mail.defects
