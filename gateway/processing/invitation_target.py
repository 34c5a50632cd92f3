"""Whom "#inviter CPAM 13" (or a group's name) names, with the evidence routing would give.

First a group's exact name (accents, case and punctuation ignored: "caf 13
encadrement"); else the words are read as a request is: the classifier finds
the organisations and areas ("CPAM des Bouches-du-Rhône" -> CPAM, 13) and
group selection picks the groups of that organisation for that area, or its
national group. Triage groups are never a resolution: an agent asking for the
CPAM did not ask for the national team. Every step is kept as a French
sentence, shown to the invited agents ("Pourquoi vous") and in the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Group
from gateway.processing.routing_step import catalog_with_overrides

INVITABLE_RULES = ("organisation+area", "organisation-national")


@dataclass
class Target:
    groups: list[Group] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    problem: str = ""  # French, when nothing could be found


def resolve_target(session: Session, settings: Settings, words: str) -> Target:
    from routing.directory.names import fold

    words = (words or "").strip(" .;:!")
    if not words:
        return Target(problem="il manque le groupe ou l'organisation à inviter (exemple : #inviter CPAM 13).")
    wanted = fold(words).removeprefix("groupe ").removeprefix("le groupe ")
    for group in session.scalars(select(Group).order_by(Group.name)):
        if fold(group.name) == wanted:
            return Target([group], [f"groupe « {group.name} » désigné par son nom"])
    return _by_classification(session, settings, words)


def _by_classification(session: Session, settings: Settings, words: str) -> Target:
    from routing.classify import classify
    from routing.directory.selection import select_groups

    decision = classify(words, subject="", sender=None, aidant_signature=None, catalog=catalog_with_overrides(session))
    if not decision.organisations:
        return Target(problem=f"« {words} » ne désigne aucun groupe ni aucune organisation connue de l'annuaire.")
    decision.triage = False  # a named organisation, however short the text: no low-confidence triage
    selection = select_groups(session, decision, default_group=settings.default_group)
    steps = [s for s in selection.steps if s.selected and s.rule in INVITABLE_RULES]
    names = list(dict.fromkeys(s.group for s in steps))
    groups = [g for name in names if (g := session.scalars(select(Group).where(Group.name == name)).first())]
    if not groups:
        found = ", ".join(decision.organisation_codes) + (
            f" pour le {', '.join(decision.area_codes)}" if decision.areas else "")
        return Target(problem=f"aucun groupe joignable de l'annuaire pour « {words} » ({found}).")
    words_seen = sorted({e.text for o in decision.organisations for e in o.evidence if e.start >= 0})[:5]
    reasons = [s.explanation for s in steps]
    if words_seen:
        reasons.append("mots relevés : " + ", ".join(f"« {w} »" for w in words_seen))
    return Target(groups, reasons)
