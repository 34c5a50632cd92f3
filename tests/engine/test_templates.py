"""Outbound templates: French, autoescaped HTML, no silently missing variable."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from gateway.outbound.templating import render_mail

CONTEXT = dict(site_name="A+", reference="K7P3QD", subject="s", recipient_name="Marie", is_agent=False,
               note_address="", author_label="Awa Diallo (CAF 13)", internal=False, attachment_names=[])


def test_html_is_escaped_and_text_is_not():
    text, html = render_mail("relay", **CONTEXT, text='<script>alert("x")</script>\nLigne 2')
    assert '<script>alert("x")</script>' in text
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Ligne 2" in html and "<br>" in html


def test_a_missing_variable_is_an_error_not_a_blank():
    context = dict(CONTEXT)
    del context["author_label"]
    with pytest.raises(UndefinedError):
        render_mail("relay", **context, text="x")


def test_agents_get_the_internal_note_address_and_people_do_not():
    agent_text, _ = render_mail("relay", **{**CONTEXT, "is_agent": True, "note_address": "aplus+n1-2-abc@x"}, text="x")
    person_text, _ = render_mail("relay", **CONTEXT, text="x")
    assert "aplus+n1-2-abc@x" in agent_text and "note interne" in agent_text
    assert "note interne" not in person_text.lower()
