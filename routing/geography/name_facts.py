"""Facts about one normalised name (is it a département, a common word, which communes compete).

They do not depend on the text, so they are computed once per name and cached:
the gates of ``names.py`` then cost a few attribute reads per candidate.
"""

from __future__ import annotations

from typing import NamedTuple

from routing.geography.tables import Place
from routing.geography.vocabulary import ARTICLES, COMMON_AFTER_RESIDENCE_MIN_POPULATION


class KeyInfo(NamedTuple):
    """What the gates need to know about a name, computed once per name."""

    lowercase_is_never_a_place: bool  # communes only, common word, single word, < 20,000 people (or <= 2 letters)
    bare_only: frozenset[str]  # non-empty when every place needs a previous word ("au" Havre)
    region_only: bool  # a région name (and no département of that name)
    departement: Place | None
    towns_elsewhere: tuple[Place, ...]  # towns of 10,000+ bearing a département's name in another département
    communes: tuple[Place, ...]  # communes, former communes, short names
    has_bare: bool  # some commune needs a previous word: filter at scan time
    content_words: int  # words other than articles
    tiny: bool  # two letters or fewer
    candidates: tuple[Place, ...]  # communes competing for this name (when no bare name is involved)


_KEY_INFO: dict[str, KeyInfo] = {}


def key_info(key: str, places: list[Place]) -> KeyInfo:
    info = _KEY_INFO.get(key)
    if info is None:
        communes_only = all(p.kind in ("commune", "delegated", "short") for p in places)
        single = sum(1 for w in key.split(" ") if w not in ARTICLES) == 1
        lowercase_never = communes_only and (
            len(key.replace(" ", "")) <= 2
            or (single and all(p.common for p in places)
                and max(p.population for p in places) < COMMON_AFTER_RESIDENCE_MIN_POPULATION))
        bare = frozenset() if any(not p.needs_previous for p in places) else frozenset().union(
            *(p.needs_previous for p in places))
        departements = [p for p in places if p.kind == "departement"]
        departement = departements[0] if departements else None
        communes = tuple(p for p in places if p.kind in ("commune", "delegated", "short"))
        towns = tuple(p for p in places if departement and p.kind == "commune"
                      and p.departement != departement.code and p.population >= 10_000)
        info = _KEY_INFO[key] = KeyInfo(
            lowercase_never, bare, any(p.kind == "region" for p in places) and not departements, departement, towns,
            communes, any(p.needs_previous for p in communes), sum(1 for w in key.split(" ") if w not in ARTICLES),
            len(key.replace(" ", "")) <= 2, competing(communes))
    return info


def competing(communes: tuple[Place, ...] | list[Place]) -> tuple[Place, ...]:
    """Communes and former communes ('Évry' in Évry-Courcouronnes) compete by population; a short name
    ('Aix', 'Saint-Ouen') joins them only when its town outweighs every commune of that exact name."""
    named = [p for p in communes if p.kind != "short"]
    largest = max((p.population for p in named), default=-1)
    return tuple(named + [p for p in communes if p.kind == "short" and p.population > largest])
