"""The one call from the mail engine into ``routing/``: who must act on a new request.

It turns the classifier's decision and the directory's selection into what
the engine needs: the groups to bring in, the reasons to show each agent, and
a JSON record kept on the ticket so the decision can always be explained.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Organisation

if TYPE_CHECKING:
    from routing.directory.snapshot import GroupView

log = logging.getLogger(__name__)


@dataclass
class Routed:
    groups: list[GroupView]  # snapshot values: active agents included, nothing left to load
    organisations: list[str]  # names shown to the person in the acknowledgement
    areas: list[str]  # "Bouches-du-Rhône (13)"
    reasons_by_group: dict[int, list[str]] = field(default_factory=dict)
    record: dict = field(default_factory=dict)

    def record_json(self) -> str:
        return json.dumps(self.record, ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Ahead:
    """A classification made before the processing transaction, and what it was made from.

    Classifying takes a fifth of a new request's processing; done before the
    transaction it no longer holds SQLite's write turn, so a second processor
    (or the receiver) can write meanwhile. It is used only if the transaction
    then sees the same catalog (same database aliases) and the same inputs;
    otherwise the request is classified again inside.
    """

    catalog: object
    inputs: tuple
    decision: object


def classify_ahead(*, text: str, subject: str, sender: str | None, aidant_signature: str | None) -> Ahead:
    """Classify with the catalog this process used last (no database access)."""
    from routing.classify import classify

    catalog = _last_catalog()
    inputs = (text, subject, sender, aidant_signature)
    return Ahead(catalog, inputs, classify(text, subject=subject, sender=sender,
                                           aidant_signature=aidant_signature, catalog=catalog))


def route_request(
    session: Session, settings: Settings, *, text: str, subject: str, sender: str | None, aidant_signature: str | None,
    ahead: Ahead | None = None,
) -> Routed:
    from routing.classify import classify
    from routing.directory.selection import select_groups

    catalog = catalog_with_overrides(session)
    if ahead is not None and ahead.catalog is catalog and ahead.inputs == (text, subject, sender, aidant_signature):
        decision = ahead.decision
    else:
        decision = classify(text, subject=subject, sender=sender, aidant_signature=aidant_signature, catalog=catalog)
    selection = select_groups(session, decision, default_group=settings.default_group)
    groups = list(selection.groups)
    if not groups:
        groups = _default_groups(session, settings)
    return Routed(
        groups=groups,
        organisations=_organisation_names(decision),
        areas=[_area_label(a.code) for a in decision.areas if a.role == "person"],
        reasons_by_group=_reasons_by_group(groups, decision, selection),
        record={"decision": decision.to_dict(), "selection": selection.to_dict()},
    )


def warm_up() -> None:
    """Load the catalog and the geography tables (about a second) before the first mail.

    Otherwise the first request pays for it inside its processing transaction,
    holding SQLite's write lock while the SMTP receiver waits.
    """
    from routing.classify import classify

    classify("Mon RSA est bloqué à la CAF de Marseille (13001).", subject="préchauffage")


_OVERRIDDEN: dict[tuple, object] = {}  # catalog per set of database aliases: its matcher is built once


def catalog_with_overrides(session: Session):
    """The catalog file, plus the aliases the national team added in the database.

    The aliases come with the cached directory snapshot (the organisations
    table changes its revision token), so this costs no query of its own.
    """
    from routing.catalog import load_catalog
    from routing.directory.snapshot import current_snapshot

    global _LAST_CATALOG
    rows = current_snapshot(session).aliases
    if not rows:
        _LAST_CATALOG = load_catalog()
        return _LAST_CATALOG
    if rows not in _OVERRIDDEN:
        _OVERRIDDEN.clear()
        _OVERRIDDEN[rows] = load_catalog().with_overrides(
            [{"code": code, "aliases": [a.strip() for a in aliases.splitlines() if a.strip()]} for code, aliases in rows]
        )
    _LAST_CATALOG = _OVERRIDDEN[rows]
    return _LAST_CATALOG


_LAST_CATALOG: object | None = None  # what catalog_with_overrides returned last in this process


def _last_catalog():
    from routing.catalog import load_catalog

    return _LAST_CATALOG if _LAST_CATALOG is not None else load_catalog()


def _default_groups(session: Session, settings: Settings) -> list[GroupView]:
    """The default group even when nobody can read it: the ticket then waits there for a person."""
    from routing.directory.snapshot import current_snapshot

    group = current_snapshot(session).named(settings.default_group)
    return [group] if group is not None else []


def _organisation_names(decision) -> list[str]:
    try:
        from routing.catalog import load_catalog

        catalog = load_catalog()
        return [getattr(catalog.get(code), "name", code) for code in decision.organisation_codes]
    except Exception:  # the catalog is optional for the acknowledgement's wording
        return list(decision.organisation_codes)


def _area_label(code: str) -> str:
    try:
        from routing.geography import departement_name

        return f"{departement_name(code)} ({code})"
    except Exception:
        return code


def _reasons_by_group(groups: list[GroupView], decision, selection) -> dict[int, list[str]]:
    """For each group: its selection step and the words that triggered its organisation."""
    reasons: dict[int, list[str]] = {}
    by_name = {g.name: g for g in groups}
    for step in getattr(selection, "steps", []):
        group = by_name.get(step.group)
        if group is None:
            continue
        lines = reasons.setdefault(group.id, [])
        lines.append(step.explanation)
        for organisation in decision.organisations:
            if organisation.code == step.organisation:
                words = sorted({e.text for e in organisation.evidence if e.start >= 0})[:5]
                if words:
                    lines.append("mots relevés : " + ", ".join(f"« {w} »" for w in words))
    return reasons
