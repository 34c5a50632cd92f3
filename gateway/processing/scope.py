"""Writing a ticket's relational scope (gateway/models/scopes.py) from its routing decision.

The decision names organisations by catalog code and areas by INSEE code;
the directory has rows for them (or not yet: an area nobody covers). A
ticket links the rows that exist, and an area the decision names but the
directory lacks is created (code and name), so that statistics by area count
every request, covered or not.

``scope_from_record`` reads the JSON kept in ``Ticket.routing``; the
migration that introduced these tables uses it to backfill older tickets.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.models import (
    Area, Group, Organisation, Ticket, TicketArea, TicketGroup, TicketOrganisation, group_areas, utcnow,
)


@dataclass
class Scope:
    organisations: list[str] = field(default_factory=list)  # catalog codes
    areas: list[tuple[str, str]] = field(default_factory=list)  # (INSEE code, role "" / "origin" / "destination")
    group_ids: list[int] = field(default_factory=list)


def scope_from_record(record: dict | str) -> Scope:
    """The scope a routing record (``Routed.record`` or ``Ticket.routing``) describes."""
    if isinstance(record, str):
        try:
            record = json.loads(record or "{}")
        except ValueError:
            record = {}
    decision = record.get("decision") or {}
    selection = record.get("selection") or {}
    scope = Scope()
    for organisation in decision.get("organisations") or []:
        code = organisation.get("code")
        if code and code not in scope.organisations:
            scope.organisations.append(code)
    areas = decision.get("areas") or []
    person = [a for a in areas if a.get("role") != "aidant"] or areas  # as selection: the aidant's only as a fallback
    for area in person:
        item = (area.get("code"), area_role(area.get("evidence") or []))
        if item[0] and item not in scope.areas:
            scope.areas.append(item)
    for group in selection.get("groups") or []:
        if group.get("id") is not None and group["id"] not in scope.group_ids:
            scope.group_ids.append(int(group["id"]))
    return scope


def area_role(evidence: list[dict]) -> str:
    """ "origin" / "destination" when geography saw a move, else "" (the person's area)."""
    reasons = {e.get("reason") for e in evidence}
    if "move-origin" in reasons:
        return "origin"
    if "move-destination" in reasons:
        return "destination"
    return ""


def write_opening_scope(session: Session, ticket: Ticket, record: dict, group_ids: list[int]) -> None:
    """Link a new ticket to the organisations, areas and groups routing chose (ticket flushed).

    ``group_ids``: the groups brought in, the default group included when
    selection found none (it is not in the selection record then).

    The ticket is new, so none of its links exist yet: they are worked out
    here and added together, with two queries for the groups' organisations
    and areas, instead of a lookup and a flush per link (measured: nine
    flushes and about ten primary-key lookups per request, a third of the
    SQL statements of opening a ticket).
    """
    scope = scope_from_record(record)
    areas: dict[int, set[str]] = {}
    for code, role in scope.areas:  # first: a group's areas then add nothing where a role says more
        area = area_row(session, code)
        if area is not None:
            areas.setdefault(area.id, set()).add(role)
    organisation_ids: dict[int, None] = {}
    if scope.organisations:
        for organisation_id in session.scalars(
            select(Organisation.id).where(Organisation.code.in_(scope.organisations))
        ):
            organisation_ids[organisation_id] = None
    wanted = list(dict.fromkeys([*scope.group_ids, *group_ids]))
    found = dict(session.execute(select(Group.id, Group.organisation_id).where(Group.id.in_(wanted))).all()) if wanted else {}
    group_area_ids: dict[int, list[int]] = {}
    if found:
        for group_id, area_id in session.execute(
            select(group_areas.c.group_id, group_areas.c.area_id).where(group_areas.c.group_id.in_(list(found)))
        ):
            group_area_ids.setdefault(group_id, []).append(area_id)
    now = utcnow()
    for group_id in (g for g in wanted if g in found):
        session.add(TicketGroup(ticket_id=ticket.id, group_id=group_id, active=True, added_at=now))
        if found[group_id] is not None:
            organisation_ids[found[group_id]] = None
        for area_id in group_area_ids.get(group_id, []):
            areas.setdefault(area_id, {""})
    session.add_all([TicketOrganisation(ticket_id=ticket.id, organisation_id=o) for o in organisation_ids])
    session.add_all([TicketArea(ticket_id=ticket.id, area_id=area_id, role=role)
                     for area_id, roles in areas.items()
                     for role in sorted({r for r in roles if r} or {""})])  # a role that says more wins over ""


def add_group_scope(session: Session, ticket: Ticket, group: Group) -> None:
    """The group is (again) active on the ticket, with its organisation and areas."""
    link = session.get(TicketGroup, (ticket.id, group.id))
    if link is None:
        session.add(TicketGroup(ticket_id=ticket.id, group_id=group.id, active=True, added_at=utcnow()))
    elif not link.active:
        link.active, link.removed_at = True, None
    if group.organisation_id is not None:
        link_organisation(session, ticket, group.organisation_id)
    for area in group.areas:
        link_area(session, ticket, area.id, "")
    session.flush()


def remove_group_scope(session: Session, ticket: Ticket, group_id: int) -> None:
    link = session.get(TicketGroup, (ticket.id, group_id))
    if link is not None and link.active:
        link.active, link.removed_at = False, utcnow()
        session.flush()


def link_organisation(session: Session, ticket: Ticket, organisation_id: int) -> None:
    if session.get(TicketOrganisation, (ticket.id, organisation_id)) is None:
        session.add(TicketOrganisation(ticket_id=ticket.id, organisation_id=organisation_id))
        session.flush()


def link_area(session: Session, ticket: Ticket, area_id: int, role: str) -> None:
    if role == "" and _has_area(session, ticket, area_id):
        return  # already there with a role that says more
    if session.get(TicketArea, (ticket.id, area_id, role)) is None:
        session.add(TicketArea(ticket_id=ticket.id, area_id=area_id, role=role))
        session.flush()


def _has_area(session: Session, ticket: Ticket, area_id: int) -> bool:
    return session.scalars(
        select(TicketArea.role).where(TicketArea.ticket_id == ticket.id, TicketArea.area_id == area_id)
    ).first() is not None


def area_row(session: Session, code: str) -> Area | None:
    """The directory's area, created (code and name) when routing found one nobody covers yet.

    In a savepoint: another processor may create the same area at the same
    moment; then its row is the one used.
    """
    area = session.scalars(select(Area).where(Area.code == code)).first()
    if area is not None:
        return area
    try:
        with session.begin_nested():
            area = Area(code=code, name=_area_name(code))
            session.add(area)
        return area
    except IntegrityError:
        return session.scalars(select(Area).where(Area.code == code)).first()


def _area_name(code: str) -> str:
    try:
        from routing.geography import departement_name

        return departement_name(code)[:100]
    except Exception:  # an unknown code still gets a row, named by its code
        return code
