"""Misspelt towns ("jabite a strasbour", "toulouze"): one edit away from a town of 20,000 people or more.

Only right after a place preposition or a verb of residence, and with a lower
weight ("commune-fuzzy"), since a misspelt word is weaker evidence.
"""

from __future__ import annotations

from collections import defaultdict

from routing.geography.tables import Tables
from routing.geography.vocabulary import FUZZY_TRIGGERS
from routing.geography.weights import FUZZY_MIN_LENGTH, FUZZY_MIN_POPULATION, SILENT_LETTER_MIN_LENGTH, W_FUZZY


class MisspeltTowns:
    """Mixin of ``Scan``: the pass over words the name pass left."""

    def scan_misspelt_towns(self) -> None:
        """'jabite a strasbour', 'a toulouze': one letter off the name of a town of 20,000 people or more,
        right after a place preposition or a verb of residence; weaker evidence ("commune-fuzzy")."""
        index, norms = fuzzy_index(self.t), self.norms
        after_trigger = [i + 1 for i, before in enumerate(norms[:-1]) if before in FUZZY_TRIGGERS]
        for i in after_trigger:
            norm = norms[i]
            if len(norm) < SILENT_LETTER_MIN_LENGTH or self.consumed[i] or norm in self.t.names or not norm.isalpha():
                continue
            if len(norm) < FUZZY_MIN_LENGTH:  # short words: only a dropped silent last letter ('hyere', 'nime')
                keys = [key for key in index.get(norm, ()) if key[:-1] == norm and key[-1] in "sxtde"
                        and not any(p.common for p in self.t.names[key])]
            else:
                keys = {key for variant in (norm, *deletions(norm)) for key in index.get(variant, ())}
                keys = [key for key in keys if within_one_edit(norm, key)]
            if not keys:
                continue
            places = [p for key in keys for p in self.t.names[key] if p.kind == "commune"]
            self.consumed[i] = True
            self.add_name_hit(i, i, places, "commune-fuzzy", W_FUZZY)


_FUZZY_INDEX: dict[str, tuple[str, ...]] | None = None


def fuzzy_index(t: Tables) -> dict[str, tuple[str, ...]]:
    """Deletion index (the SymSpell idea) over the one-word names of towns, built once: a few
    thousand keys, so a hand-written dict beats bringing in a spelling library."""
    global _FUZZY_INDEX
    if _FUZZY_INDEX is None:
        index: dict[str, set[str]] = defaultdict(set)
        for key, places in t.names.items():
            population = max((p.population for p in places if p.kind == "commune"), default=0)
            common = any(p.common for p in places)  # 'Bordeaux' is a wine too: only the big cities then
            if (" " in key or len(key) < FUZZY_MIN_LENGTH - 1 or population < FUZZY_MIN_POPULATION
                    or (common and population < 100_000)):
                continue
            for variant in (key, *deletions(key)):
                index[variant].add(key)
        _FUZZY_INDEX = {variant: tuple(sorted(keys)) for variant, keys in index.items()}
    return _FUZZY_INDEX


def deletions(word: str) -> set[str]:
    return {word[:k] + word[k + 1:] for k in range(len(word))}


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance <= 1, or two adjacent letters swapped."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return short in deletions(long_)
