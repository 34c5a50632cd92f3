"""HTML-only mail made text; HTML kept for display made safe."""

from __future__ import annotations

from gateway.understand import read_mail
from gateway.understand.html import html_to_text, sanitise_html
from gateway.understand.limits import Limits

from .builders import fixture

HOSTILE = (
    '<div onmouseover="x()"><script>alert(1)</script><p style="color:red" onclick="evil()">Bonjour</p>'
    '<img src="http://tracker.example/p.gif"><img src="//cdn.example/p.gif"><img src="cid:img1@x">'
    '<a href="javascript:alert(1)">a</a><a href="https://www.caf.fr/">caf</a>'
    '<iframe src="https://evil.example"></iframe><form action="https://evil.example"><input></form></div>'
)


def test_html_only_mail_becomes_readable_text():
    mail = read_mail(fixture("mime-html-only.eml"))
    assert mail.text.startswith("Bonjour Madame,\n\nJe n’arrive pas à obtenir mon attestation de droits")
    assert "CPAM du Rhône" in mail.text
    assert "alert" not in mail.text and "color:red" not in mail.text
    assert "Nom" in mail.text and "Dupuis" in mail.text


def test_html_kept_for_display_is_sanitised():
    mail = read_mail(fixture("mime-html-only.eml"))
    assert mail.html is not None
    assert "<script" not in mail.html and "onload" not in mail.html and "onclick" not in mail.html
    assert "tracker.example.com" not in mail.html  # remote image dropped
    assert 'src="cid:logo.1@mairie.example"' in mail.html  # image carried by the mail kept
    assert "javascript:" not in mail.html
    assert 'href="https://www.ameli.fr"' in mail.html


def test_sanitise_removes_scripts_handlers_frames_and_remote_images():
    clean = sanitise_html(HOSTILE)
    forbidden_parts = ("<script", "onmouseover", "onclick", "style=", "tracker.example", "cdn.example")
    for forbidden in (*forbidden_parts, "javascript:", "<iframe", "<form", "<input"):
        assert forbidden not in clean
    assert 'src="cid:img1@x"' in clean
    assert 'href="https://www.caf.fr/"' in clean


def test_remote_images_can_be_allowed_explicitly():
    assert "tracker.example" in sanitise_html(HOSTILE, allow_remote_images=True)


def test_html_to_text_keeps_paragraphs_and_decodes_entities():
    text = html_to_text("<p>Madame&nbsp;Dupont,</p><p>Vous &ecirc;tes&#8230;</p><ul><li>un</li><li>deux</li></ul>")
    assert text.splitlines()[0] == "Madame Dupont,"
    assert "Vous êtes…" in text
    assert "un" in text and "deux" in text


def test_html_over_the_size_limit_is_stripped_cheaply():
    html = "<p>Bonjour</p><script>alert(1)</script>" + "<p>suite &amp; fin</p>" * 10
    text = html_to_text(html, Limits(max_html_chars=50))
    assert text.startswith("Bonjour")
    assert "alert" not in text and "suite & fin" in text


def test_empty_html():
    assert html_to_text("") == ""
    assert html_to_text("   <br>  ") == ""
    assert sanitise_html("") == ""
