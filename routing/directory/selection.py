"""Group selection: from a routing decision to the groups brought into a ticket.

An agent trusts being brought into a case when it can see why, and the
national team must be able to tell why nobody (or the wrong team) was asked.
So selection is a short, fixed chain of rules, and every rule that fired — or
that found a group nobody could read — is recorded as a ``Step`` with a French
sentence stored on the ticket as it is.

For each chosen organisation and each area of the person (or, when the person's
area is unknown, the aidant's area):

1. ``organisation+area``: the groups of that organisation covering the area;
2. ``organisation-national``: else that organisation's national group;
3. ``area-triage``: else the area's triage group;
4. ``national-triage``: else the national triage group (the group named by the
   ``default_group`` setting, or any triage group without areas).

A low-confidence decision (``decision.triage``) skips the organisations and
goes straight to the area's triage group, else the national one
(``low-confidence``); a decision without any organisation does the same with
the ordinary triage rules. A group counts only when someone can read it: at
least one active agent, or a shared mailbox. Selection never creates anything.

The rules read the directory from an in-memory snapshot that is rebuilt only
when the directory changed (``routing.directory.snapshot``): selection costs
one query per request, and the selected groups are plain ``GroupView`` values
that carry their active agents, so the ticket needs no further query either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from routing.decision import Decision
from routing.directory.snapshot import DirectorySnapshot, GroupView, current_snapshot

ORGANISATION_AREA = "organisation+area"
ORGANISATION_NATIONAL = "organisation-national"
AREA_TRIAGE = "area-triage"
NATIONAL_TRIAGE = "national-triage"
LOW_CONFIDENCE = "low-confidence"


@dataclass(frozen=True)
class Step:
    """One rule that fired, the group it found and the sentence a person reads.

    ``selected`` is False for a group that was found but skipped (nobody can
    read it) or for the final step when no reachable group exists at all
    (then ``group`` is empty).
    """

    organisation: str | None
    area: str | None
    rule: str
    group: str
    explanation: str
    selected: bool = True

    def to_dict(self) -> dict[str, object]:
        return {
            "organisation": self.organisation,
            "area": self.area,
            "rule": self.rule,
            "group": self.group,
            "selected": self.selected,
            "explanation": self.explanation,
        }


@dataclass
class Selection:
    """The groups to bring in, first occurrence first, and how they were found."""

    groups: list[GroupView] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def group_names(self) -> list[str]:
        return [g.name for g in self.groups]

    def to_dict(self) -> dict[str, object]:
        return {
            "groups": [{"id": g.id, "name": g.name} for g in self.groups],
            "steps": [s.to_dict() for s in self.steps],
        }

    def explanation(self) -> str:
        """The steps as lines of French text, for a ticket history or ``aplus explain``."""
        return "\n".join(s.explanation for s in self.steps)


def is_reachable(group: GroupView) -> bool:
    """Someone reads what is sent to the group: an active agent or a shared mailbox."""
    return group.reachable


def select_groups(session: Session, decision: Decision, *, default_group: str) -> Selection:
    """Choose the groups for a decision, recording each rule applied."""
    selector = _Selector(current_snapshot(session), default_group)
    areas = routing_areas(decision)
    if decision.triage:
        selector.triage(areas, low_confidence=True)
    elif not decision.organisations:
        selector.triage(areas, low_confidence=False)
    else:
        for organisation in unique(o.code for o in decision.organisations):
            for area in areas or [None]:
                selector.organisation_chain(organisation, area)
    return selector.selection


def routing_areas(decision: Decision) -> list[str]:
    """The person's areas, else the aidant's (a signature is only a hint)."""
    person = [a.code for a in decision.areas if a.role != "aidant"]
    if person:
        return unique(person)
    return unique(a.code for a in decision.areas if a.role == "aidant")


def unique(values) -> list:
    return list(dict.fromkeys(values))


class _Selector:
    """Runs the chain for one decision and accumulates the selection."""

    def __init__(self, directory: DirectorySnapshot, default_group: str) -> None:
        self.directory = directory
        self.default_group = default_group
        self.selection = Selection()
        self._chosen: set[int] = set()

    # -- chains ---------------------------------------------------------
    def organisation_chain(self, organisation: str, area: str | None) -> None:
        if area is not None:
            local = self.directory.organisation_area(organisation, area)
            if self._take(local, organisation, area, ORGANISATION_AREA):
                return
        if self._take(self.directory.organisation_national(organisation), organisation, area, ORGANISATION_NATIONAL):
            return
        if area is not None and self._take(self.directory.area_triage(area), organisation, area, AREA_TRIAGE):
            return
        self._national_triage(organisation, area, NATIONAL_TRIAGE)

    def triage(self, areas: list[str], *, low_confidence: bool) -> None:
        for area in areas or [None]:
            area_rule = LOW_CONFIDENCE if low_confidence else AREA_TRIAGE
            if area is not None and self._take(self.directory.area_triage(area), None, area, area_rule):
                continue
            self._national_triage(None, area, LOW_CONFIDENCE if low_confidence else NATIONAL_TRIAGE)

    def _national_triage(self, organisation: str | None, area: str | None, rule: str) -> None:
        candidates = self.directory.national_triage(self.default_group)
        for group in candidates:
            if is_reachable(group):
                self._select(group, organisation, area, rule, national=True)
                return
            self._skip(group, organisation, area, rule, national=True)
        self.selection.steps.append(
            Step(organisation, area, rule, "", _subject(organisation, area, rule, True)
                 + ", aucun groupe joignable : le ticket attend une intervention manuelle", selected=False)
        )

    # -- one rule -------------------------------------------------------
    def _take(self, groups: list[GroupView], organisation: str | None, area: str | None, rule: str) -> bool:
        """Select every reachable group of a rule; True when at least one was."""
        found = False
        for group in groups:
            if is_reachable(group):
                self._select(group, organisation, area, rule)
                found = True
            else:
                self._skip(group, organisation, area, rule)
        return found

    def _select(self, group: GroupView, organisation: str | None, area: str | None, rule: str, *, national: bool = False) -> None:
        sentence = f"{_subject(organisation, area, rule, national)} « {group.name} »"
        if group.id in self._chosen:
            sentence += " (déjà retenu)"
        else:
            self._chosen.add(group.id)
            self.selection.groups.append(group)
        self.selection.steps.append(Step(organisation, area, rule, group.name, sentence))

    def _skip(self, group: GroupView, organisation: str | None, area: str | None, rule: str, *, national: bool = False) -> None:
        sentence = (
            f"{_subject(organisation, area, rule, national)} « {group.name} » ignoré : "
            "injoignable (aucun agent actif ni boîte aux lettres partagée)"
        )
        self.selection.steps.append(Step(organisation, area, rule, group.name, sentence, selected=False))


def _subject(organisation: str | None, area: str | None, rule: str, national: bool = False) -> str:
    """A step's sentence up to the group name: who was looked for, where, which rule."""
    where = f"pour le {area}" if area else "(territoire inconnu)"
    if rule == LOW_CONFIDENCE:
        lead = f"Confiance faible {where}"
    elif organisation:
        lead = f"{organisation} {where}"
    else:
        lead = f"Aucune organisation identifiée {where}"
    return f"{lead} : {_reason(organisation, area, rule, national)}"


def _reason(organisation: str | None, area: str | None, rule: str, national: bool) -> str:
    if rule == ORGANISATION_AREA:
        return "groupe"
    if rule == ORGANISATION_NATIONAL:
        return "pas de groupe local, groupe national"
    misses = []
    if organisation:
        misses = ["groupe local", "groupe national"] if area else ["groupe national"]
    if national and area:
        misses.append("triage du territoire")
    target = "triage national" if national else "triage du territoire"
    if not misses:
        return target
    return "ni " + " ni ".join(misses) + f", {target}" if len(misses) > 1 else f"pas de {misses[0]}, {target}"


__all__ = [
    "AREA_TRIAGE", "LOW_CONFIDENCE", "NATIONAL_TRIAGE", "ORGANISATION_AREA", "ORGANISATION_NATIONAL",
    "Selection", "Step", "is_reachable", "select_groups",
]
