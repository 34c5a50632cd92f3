"""A move ("j'ai déménagé de Paris à Lyon"): the origin first, then the destination.

The chronological order is the one the labelled set uses, whatever order the
sentence has; the evidence says which is which ("move-origin",
"move-destination").
"""

from __future__ import annotations

from bisect import bisect_left

from routing.decision import Evidence
from routing.geography.text import Token
from routing.geography.vocabulary import (ARTICLES, CUE_REASONS, DESTINATION_MARKERS, FORMER_RESIDENCE_VERBS,
                                          MOVE_CUE_RE, ORIGIN_MARKERS)


class MoveOrder:
    """Mixin of ``Scan``: which départements are origins and destinations of a move."""

    def move_order(self, evidence: dict[str, list[Evidence]]) -> tuple[list[str], list[str]]:
        """Destinations and origins when the text tells of a move ('déménagé', 'quitté', 'transfert', or a
        place said to be the current one next to a former one)."""
        if len(evidence) < 2 or (self.move_cue() is None and not any(
                e.reason == "current-place" for items in evidence.values() for e in items)):
            return [], []
        destinations, origins = [], []
        for code, items in evidence.items():
            first = min((e for e in items if e.reason not in CUE_REASONS), key=lambda e: e.start, default=None)
            index = bisect_left(self.starts, first.start) if first else self.n
            if index >= self.n or self.starts[index] != first.start:
                continue
            role = self.move_role(index)
            if role == "destination":
                destinations.append(code)
            elif role == "origin":
                origins.append(code)
        if not destinations or not origins:
            return [], []
        return destinations, origins

    def move_role(self, index: int) -> str | None:
        """'de Paris', 'quitté Paris', 'j'habitais (à) Paris' -> origin; 'à Lyon', 'vers Lyon' -> destination."""
        k = index - 1
        if k >= 1 and self.norms[k] in ARTICLES:
            k -= 1
        marker = self.norms[k] if k >= 0 else ""
        if marker in ORIGIN_MARKERS or marker in FORMER_RESIDENCE_VERBS:
            return "origin"
        if marker in DESTINATION_MARKERS:
            return "origin" if k >= 1 and self.norms[k - 1] in FORMER_RESIDENCE_VERBS else "destination"
        return None

    @staticmethod
    def current_cue(evidence: dict[str, list[Evidence]]) -> Token | None:
        for items in evidence.values():
            for e in items:
                if e.reason == "current-place":
                    return Token(e.start, e.end, e.text, e.text.lower())
        return None

    def move_cue(self) -> Token | None:
        folded = self.text.lower()
        match = MOVE_CUE_RE.search(folded if len(folded) == len(self.text) else self.text)
        return Token(match.start(), match.end(), match.group(), match.group().lower()) if match else None
