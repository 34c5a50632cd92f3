"""Small helpers that build a directory in a test session, without the CSV importer."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.models import Agent, Area, Group, Membership, Organisation
from routing.decision import AreaMatch, Decision, OrganisationScore


def organisation(session: Session, code: str) -> Organisation:
    found = session.scalar(select(Organisation).where(Organisation.code == code))
    if found is None:
        found = Organisation(code=code, name=code)
        session.add(found)
        session.flush()
    return found


def area(session: Session, code: str) -> Area:
    found = session.scalar(select(Area).where(Area.code == code))
    if found is None:
        found = Area(code=code, name=f"Département {code}")
        session.add(found)
        session.flush()
    return found


def group(
    session: Session,
    name: str,
    *,
    org: str | None = None,
    areas: tuple[str, ...] = (),
    national: bool = False,
    triage: bool = False,
    agents: tuple[str, ...] = ("agent",),
    mailbox: str | None = None,
    active: bool = True,
) -> Group:
    """A group with agents named ``<agent>.<n>@<slug>.example`` (reserved domain)."""
    new = Group(
        name=name,
        organisation=organisation(session, org) if org else None,
        areas=[area(session, code) for code in areas],
        is_national=national,
        is_triage=triage,
        mailbox=mailbox,
    )
    session.add(new)
    slug = "".join(c for c in name.lower() if c.isalnum()) or "groupe"
    for index, local in enumerate(agents):
        agent = Agent(email=f"{local}.{index}@{slug}.example", first_name=local, last_name=name, active=active)
        session.add(Membership(group=new, agent=agent))
    session.flush()
    return new


def decision(orgs=(), person=(), aidant=(), *, triage: bool = False) -> Decision:
    areas = [AreaMatch(code) for code in person] + [AreaMatch(code, role="aidant") for code in aidant]
    return Decision(
        organisations=[OrganisationScore(code, 1.0) for code in orgs],
        areas=areas,
        confidence=0.2 if triage else 0.9,
        triage=triage,
    )
