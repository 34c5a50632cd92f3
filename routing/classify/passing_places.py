"""Places mentioned in passing: a birth place, a former address, a hospital elsewhere, a relative's town.

"Je suis née à Brest mais j'habite à Montpellier", "j'ai vécu à Grenoble il y
a quinze ans", "mon fils est hospitalisé au CHU de Rouen", "ma mère vit à
Ajaccio": the case is where the person lives, and the other département
would bring in agents who can do nothing. A person's area is dropped when
every mention of it stands in such a clause, and only when another area
of the person's remains (a request never loses all its areas). A move
("j'ai déménagé de Lille à Bordeaux") is not a mention in passing: both
areas stay, with their roles (``move-origin``, ``move-destination``) in the
evidence.
"""

from __future__ import annotations

import re

from unidecode import unidecode

from routing.decision import AreaMatch
from routing.geography.vocabulary import CUE_REASONS

__all__ = ["drop_places_in_passing"]

_MOVE_REASONS = frozenset({"move-origin", "move-destination"})
_BIRTH = re.compile(r"\b(?:ne|nee|nes|nees|naissance|originaire|natif|native)\b")
_FORMER = re.compile(
    r"\b(?:j ai|nous avons|j avais|nous avions) (?:vecu|habite|travaille|reside|sejourne)\b"
    r"|\b(?:autrefois|anciennement|jadis|auparavant)\b"
)
_FORMER_AFTER = re.compile(r"^[^.;!?|]{0,40}?\b(?:il y a \w+(?: \w+)? ans|de (?:19|20)\d\d a (?:19|20)\d\d|en (?:19|20)\d\d|avant)\b")
_HOSPITAL = re.compile(
    r"\b(?:hospitalise|hospitalisee|hospitalises|hopital|hopitaux|chu|clinique|opere|operee|soigne|soignee|urgences)\b"
)
_RELATIVE = re.compile(
    r"\b(?:mon|ma|mes|notre|nos) (?:frere|freres|soeur|soeurs|mere|pere|parents|fils|fille|filles|enfants?|cousin|"
    r"cousine|oncle|tante|grand mere|grand pere|grands parents|belle mere|beau pere|neveu|niece|ex mari|ex femme)\b"
)
#: The person speaking of where they live now ends a clause in passing
#: ("je suis née à Brest mais j'habite à ...", "..., maintenant je vis à ...").
_NOW = re.compile(
    r"\b(?:mais|maintenant|aujourd hui|actuellement|desormais|moi|j habite|je vis|je reside|nous habitons|nous vivons"
    r"|je demeure|domicilie|domiciliee)\b"
)


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9.;!?|]+", " ", unidecode(text).lower())


def _clause_before(text: str, start: int) -> str:
    """The words of the sentence before a mention (a comma does not end it)."""
    window = text[max(0, start - 120) : start]
    for stop in (".", "!", "?", "\n\n"):
        window = window[window.rfind(stop) + 1 :] if stop in window else window
    return _fold(window)


def _is_in_passing(text: str, start: int, end: int, reason: str) -> bool:
    if reason == "birthplace":
        return True
    before = _clause_before(text, start)
    now = None
    for now in _NOW.finditer(before):
        pass
    if now is not None:
        before = before[now.end() :]
    after = _fold(text[end : end + 60])
    if _BIRTH.search(before[-40:]) or _HOSPITAL.search(before[-50:]) or _RELATIVE.search(before):
        return True
    return bool(_FORMER.search(before) or (now is None and _FORMER_AFTER.search(after)))


def _mentions(area: AreaMatch):
    return [e for e in area.evidence if e.reason not in CUE_REASONS and e.start >= 0]


def drop_places_in_passing(text: str, areas: list[AreaMatch]) -> list[AreaMatch]:
    """``areas`` without the person's areas that are only mentioned in passing."""
    person = [a for a in areas if a.role == "person"]
    if len(person) < 2 or any(e.reason in _MOVE_REASONS for a in person for e in a.evidence):
        return areas
    passing = {
        a.code
        for a in person
        if _mentions(a) and all(_is_in_passing(text, e.start, e.end, e.reason) for e in _mentions(a))
    }
    if not passing or len(passing) == len(person):
        return areas
    return [a for a in areas if not (a.role == "person" and a.code in passing)]
