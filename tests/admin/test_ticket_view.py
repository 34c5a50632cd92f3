"""Showing mail text: evidence marked where the classifier saw it, controls made visible, nothing unescaped."""

from __future__ import annotations

from admin.ticket_view import Evidence, marked_text, read_routing, visible_controls


def test_bidi_controls_become_visible_markers_and_markup_is_escaped():
    shown = str(visible_controls("facture\u202efdp.exe <b>gras</b>"))
    assert shown == ('facture<span class="aplus-control" title="caractère de contrôle de direction">[U+202E]</span>'
                     'fdp.exe &lt;b&gt;gras&lt;/b&gt;')


def test_evidence_offsets_count_from_the_subject_as_received():
    subject = "TR: RSA bloqué"  # as received; the ticket keeps "RSA bloqué"
    text = "Mon RSA est bloqué à Marseille (13001)."
    analysed = f"{subject}\n{text}"
    evidence = [Evidence(word, analysed.index(word, 10 if word == "RSA" else 0), 0, f"X : {word}") for word in ("RSA", "13001")]
    evidence = [Evidence(e.text, e.start, e.start + len(e.text), e.label) for e in evidence]
    shown = str(marked_text(text, evidence))
    assert shown.count("<mark") == 2
    assert '<mark class="aplus-evidence" title="X : 13001">13001</mark>' in shown
    assert shown.startswith('Mon <mark class="aplus-evidence" title="X : RSA">RSA</mark> est')


def test_evidence_cannot_inject_markup_and_a_broken_record_shows_nothing():
    text = "<script>alert(1)</script> CAF"
    shown = str(marked_text(text, [Evidence("CAF", 27, 30, '"><script>')]))
    assert "<script>" not in shown and "&lt;script&gt;" in shown and 'title="&#34;&gt;&lt;script&gt;"' in shown
    assert read_routing("pas du JSON").evidence == [] and read_routing("{}").organisations == []
