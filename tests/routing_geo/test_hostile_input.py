"""find_areas never raises and its offsets always point into the text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.geography import find_areas

PIECES = st.sampled_from([
    "à", "Paris", "15e", "dans le", "93", "(", ")", "13001", "Marseille", " ", "\n", "-", "'", "St", "Étienne",
    "déménagé", "de", "vers", "la Réunion", "06 12", "/", "2A", "ème", "XVe", "rue", "Mme", "€", "Saint-Denis",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=30).map(" ".join))
def test_never_raises_and_offsets_are_exact(text: str) -> None:
    for area in find_areas(text, sender_signature=text):
        assert area.role in ("person", "aidant")
        for evidence in area.evidence:
            assert text[evidence.start:evidence.end] == evidence.text


def test_odd_inputs() -> None:
    assert find_areas("") == []
    assert find_areas("   \n\t") == []
    assert find_areas("\x00\ufeff🙂 ẞ ﬁ") == []
    assert find_areas(None) == []  # type: ignore[arg-type]
    long = "dans le 93 " * 5000
    assert [a.code for a in find_areas(long)] == ["93"]


def test_many_places_stay_linear() -> None:
    """Thousands of places (a pasted spreadsheet) must not make the scan quadratic: this runs in
    well under a second; a quadratic scan took many seconds."""
    text = "Saint-Denis en Seine-Saint-Denis, 13001 Marseille, Paris 15e, dans le 15e. " * 1500
    assert sorted(a.code for a in find_areas(text)) == ["13", "75", "93"]
