"""The phrase matcher: catalog terms looked up over word tokens, one linear pass.

Written by hand rather than with an Aho-Corasick library because it works on
word tokens with optional plurals and a one-typo tolerance, which such
libraries do not do, and it measures well under a millisecond per mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from routing.catalog import WEAK_WEIGHT, Catalog
from routing.classify.text import phrase_key

#: Typo corrections remembered per matcher before the memo starts over (bounds memory).
CORRECTIONS_KEPT = 50_000


@dataclass(frozen=True)
class Entry:
    """What a phrase means: an organisation name, a benefit, a helper, or nothing."""

    kind: str  # "org", "benefit", "helper", "ignore"
    code: str
    weight: float
    reason: str
    upper_only: bool = False
    capitalised: bool = False  # "le Département" (the council), not "le département" (the place)


@dataclass
class Match:
    start_token: int
    end_token: int
    entries: tuple[Entry, ...]
    fuzzy: bool = False


class Matcher:
    """Phrase dictionary over word tokens, built once per catalog."""

    def __init__(self, catalog: Catalog) -> None:
        phrases: dict[tuple[str, ...], list[Entry]] = {}

        def add(term: str, entry: Entry) -> None:
            key = phrase_key(term)
            if key:
                phrases.setdefault(key, []).append(entry)

        for org in catalog.organisations.values():
            kind = "helper" if org.helper else "org"
            upper = set(org.upper_only)
            for term in org.aliases:
                add(term, Entry(kind, org.code, 1.0, "alias"))
            for term in org.weak:
                add(term, Entry(kind, org.code, WEAK_WEIGHT, "hint"))
            for term in org.acronyms:
                add(term, Entry(kind, org.code, 1.0, "acronym", term in upper))
            for term in org.capitalised:
                add(term, Entry(kind, org.code, 1.0, "alias", capitalised=True))
        for benefit in catalog.benefits.values():
            upper = set(benefit.upper_only)
            for term in benefit.terms:
                add(term, Entry("benefit", benefit.code, benefit.weight, f"benefit:{benefit.code}", term in upper))
            for term in benefit.weak:
                add(term, Entry("benefit", benefit.code, WEAK_WEIGHT, f"benefit:{benefit.code}", term in upper))
        for term in catalog.ignore:
            add(term, Entry("ignore", "", 0.0, "ignore"))

        self.by_first: dict[str, list[tuple[tuple[str, ...], tuple[Entry, ...]]]] = {}
        for key, entries in phrases.items():
            self.by_first.setdefault(key[0], []).append((key, tuple(_dedupe(entries))))
        for candidates in self.by_first.values():
            candidates.sort(key=lambda item: -len(item[0]))
        self.vocabulary = {w for key in phrases for w in key if len(w) >= 6}
        self.one_edit: dict[str, str | None] = {}
        self._corrections: dict[str, str | None] = {}
        for word in self.vocabulary:
            for variant in _deletions(word):
                previous = self.one_edit.get(variant, word)
                self.one_edit[variant] = word if previous == word else None

    def correct(self, word: str) -> str | None:
        """The vocabulary word one typo away from ``word`` (7+ letters), if unique.

        Remembered per word: most words of a request are not catalog terms and
        recur across requests ("bonjour", "dossier"), and trying every
        deletion was 30 % of classifying a 3.7 KB mail (7.2 ms).
        """
        if not 7 <= len(word) <= 24 or word in self.vocabulary:
            return None
        try:
            return self._corrections[word]
        except KeyError:
            pass
        if len(self._corrections) >= CORRECTIONS_KEPT:
            self._corrections.clear()
        found = self._corrections[word] = self._correct(word)
        return found

    def _correct(self, word: str) -> str | None:
        found: set[str] = set()
        target = self.one_edit.get(word)  # a letter is missing
        if target:
            found.add(target)
        for variant in _deletions(word):
            if variant in self.vocabulary:  # a letter too many
                found.add(variant)
            target = self.one_edit.get(variant)  # a letter replaced
            if target and target != word:
                found.add(target)
        found = {target for target in found if _plausible_typo(word, target)}
        return found.pop() if len(found) == 1 else None

    def scan(self, words: list[str]) -> list[Match]:
        """Longest non-overlapping phrase matches over the token list."""
        candidates: list[Match] = []
        for i, word in enumerate(words):
            options = self.by_first.get(word)
            fuzzy = False
            if options is None:
                fixed = self.correct(word)
                if fixed is None:
                    continue
                options = self.by_first.get(fixed)
                fuzzy = True
                if options is None:
                    continue
            for key, entries in options:
                n = len(key)
                if i + n > len(words):
                    continue
                typo = fuzzy
                for k in range(1, n):
                    if words[i + k] == key[k]:
                        continue
                    if self.correct(words[i + k]) != key[k]:
                        break
                    typo = True
                else:
                    candidates.append(Match(i, i + n, entries, typo))
                    break
        candidates.sort(key=lambda m: (-(m.end_token - m.start_token), m.start_token))
        taken = [False] * len(words)
        kept: list[Match] = []
        for match in candidates:
            if any(taken[match.start_token : match.end_token]):
                continue
            for k in range(match.start_token, match.end_token):
                taken[k] = True
            kept.append(match)
        kept.sort(key=lambda m: m.start_token)
        return kept


def _plausible_typo(word: str, target: str) -> bool:
    """Reject inflections taken for typos ("rembourser" is not "rembourse").

    A word that extends or truncates the target is another form of it, except an
    elision written without apostrophe ("lurssaf", "didentite").
    """
    if word.startswith(target) or target.startswith(word):
        return False
    if word.endswith(target):
        return word[0] in "ldjnms" and len(word) == len(target) + 1
    return not target.endswith(word)


def _deletions(word: str) -> Iterable[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _dedupe(entries: list[Entry]) -> list[Entry]:
    seen: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        key = (entry.kind, entry.code)
        if key not in seen or entry.weight > seen[key].weight:
            seen[key] = entry
    return list(seen.values())


def matcher_for(catalog: Catalog) -> Matcher:
    matcher = catalog._cache.get("matcher")
    if matcher is None:
        matcher = Matcher(catalog)
        catalog._cache["matcher"] = matcher
    return matcher  # type: ignore[return-value]
