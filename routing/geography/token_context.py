"""What surrounds a token: its neighbours, the gaps between them, and whether a place context is there.

``TokenContext`` is the state of one pass over one text (tokens, consumed
tokens, hits so far); the passes (``names``, ``numbers``, ``arrondissements``,
``misspellings``) and the later steps are mixins over it, see ``scan.py``.
"""

from __future__ import annotations

from routing.geography.codes import departement_code, looks_like_phone_or_date
from routing.geography.hits import Hit
from routing.geography.tables import Tables
from routing.geography.text import token_columns
from routing.geography.vocabulary import (ARTICLES, CIVILITIES, OFFICE_HEADS, ORGANISATION_WORDS, PLACE_CONTEXT,
                                          SENTENCE_BREAKS, STREET_CONNECTORS, STREET_WORDS)


class TokenContext:
    """One text's tokens, as parallel lists, and the hits found in it so far."""

    def __init__(self, text: str, t: Tables) -> None:
        self.text = text
        self.t = t
        self.starts, self.ends, self.raws, self.norms = token_columns(text)
        self.n = len(self.norms)
        self.digit_tokens = [i for i, raw in enumerate(self.raws) if raw[0] in "0123456789"]
        self.consumed = [False] * self.n
        self.name_hit_at_first: dict[int, Hit] = {}  # token index -> name hit starting there
        self.name_hit_at_last: dict[int, Hit] = {}
        self.mentioned_cities: set[str] | None = None
        self.sure_starts: dict[str, list[int]] | None = None
        self.hits: list[Hit] = []

    # -- helpers on tokens
    def prev(self, i: int, k: int = 1) -> str:
        return self.norms[i - k] if i - k >= 0 else ""

    def next(self, i: int, k: int = 1) -> str:
        return self.norms[i + k] if i + k < len(self.norms) else ""

    def gap_before(self, i: int) -> str:
        return self.text[self.ends[i - 1]:self.starts[i]] if i > 0 else ""

    def gap_after(self, i: int) -> str:
        return self.text[self.ends[i]:self.starts[i + 1]] if i + 1 < self.n else ""

    def char_before(self, i: int) -> str:
        start = self.starts[i]
        return self.text[start - 1] if start > 0 else ""

    def char_after(self, i: int) -> str:
        end = self.ends[i]
        return self.text[end] if end < len(self.text) else ""

    def is_capitalised(self, first: int, last: int) -> bool:
        for i in range(first, last + 1):
            if self.norms[i] not in ARTICLES:
                return self.raws[i][:1].isupper()
        return self.raws[first][:1].isupper()

    def has_context(self, first: int, last: int, extra: frozenset[str] = frozenset(), offices: bool = True) -> bool:
        before = self.prev(first)
        if before in PLACE_CONTEXT or before in extra:
            return True
        if offices and (before in ORGANISATION_WORDS or before in OFFICE_HEADS):  # 'CAF Créteil'
            return True
        if before.isdigit() and len(before) == 5:  # a postal code, even a CEDEX one missing from La Poste's table
            return True
        after = self.next(last)
        if after == "le" and self.gap_after(last).strip() == "," and self.next(last, 2)[:1].isdigit():
            return True  # the date line of a letter: 'Montreuil, le 3 avril 2024'

        if not after or looks_like_phone_or_date(self, last + 1):
            return False
        if after.isdigit() and len(after) == 5:
            return after in self.t.postal
        return departement_code(after) is not None and self.gap_after(last).strip(" ,-(") == ""

    def in_street_or_person_name(self, first: int) -> bool:
        """'rue de Paris', 'gare de Lyon', 'Mme Laval': the first word before the name that is not a
        connector ('de', 'du', 'la', ...) is a street word or a civility."""
        if self.prev(first) in CIVILITIES:
            return True
        for k in range(1, 5):
            word = self.prev(first, k)
            if not word or not SENTENCE_BREAKS.isdisjoint(self.gap_before(first - k + 1)):
                return False
            if word not in STREET_CONNECTORS:
                return word in STREET_WORDS
        return False

    def mark(self, first: int, last: int) -> None:
        for k in range(first, last + 1):
            self.consumed[k] = True
