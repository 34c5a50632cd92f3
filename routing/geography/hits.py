"""Types the passes of one scan share: the ``Hit`` they produce, and the
token view (``TokenView``) the helpers read.

In a module of their own so that ``scan`` (which assembles the passes) and the
pass modules (``names``, ``numbers``, ``arrondissements``, ``codes``, ...)
import them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from routing.geography.tables import Place


@dataclass
class Hit:
    """A place found in the text, before the choice among homonyms."""

    first: int  # token index
    last: int  # token index, inclusive
    start: int
    end: int
    kind: str  # "name", "postal", "number", "arrondissement"
    candidates: dict[str, int] = field(default_factory=dict)  # département -> population (for homonyms)
    reason: str = ""
    weight: float = 1.0
    places: list[Place] = field(default_factory=list)
    linked: str | None = None  # département fixed by an adjacent postal code or number
    default: str | None = None  # a département name that is also a commune elsewhere: the département unless context


class TokenView(Protocol):
    """What the token helpers read of a scan (``TokenContext`` provides it)."""

    norms: list[str]

    def prev(self, i: int, k: int = 1) -> str: ...

    def next(self, i: int, k: int = 1) -> str: ...

    def gap_before(self, i: int) -> str: ...

    def gap_after(self, i: int) -> str: ...

    def char_before(self, i: int) -> str: ...

    def char_after(self, i: int) -> str: ...
