"""Agents away: an out-of-office is shown on the ticket; a group entirely away is signalled once.

An automatic reply (RFC 3834) from an agent is never relayed
(``automatic_mail``); it is kept as an internal line of the ticket, and the
agent is marked away on that ticket until they write again. When every
agent of a group on the ticket is away, nobody reads the case there: the
group's shared mailbox is told, or, without one, the area's managers are
brought in, once per ticket and group (key "away:<ticket>:<group>").
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.models import Agent, Group, Membership, Participant, Ticket, audit, group_areas, utcnow
from gateway.outbound.notices import notify, record_event
from gateway.processing import lifecycle, marks

MANAGER_ROLES = ("manager",)


def note_away(session: Session, settings: Settings, ticket: Ticket, participant: Participant) -> None:
    if not participant.is_agent or participant.agent_id is None:
        return
    participant.away_at = utcnow()
    audit(session, "participant.away", ticket_id=ticket.id, participant=participant.email)
    group_id = participant.group_id
    if group_id is None:
        return
    colleagues = [p for p in ticket.participants
                  if p.active and p.group_id == group_id and p.is_agent and p.agent_id is not None]
    if any(p.away_at is None for p in colleagues) or not marks.claim(session, f"away:{ticket.id}:{group_id}",
                                                                     ticket_id=ticket.id):
        return
    group = session.get(Group, group_id)
    text = f"Tous les agents de {group.name} sur ce dossier sont absents (réponses automatiques)."
    event = record_event(session, settings, ticket, text, internal=True)
    mailbox = next((p for p in ticket.participants if group.mailbox and p.email == group.mailbox.lower()), None)
    if mailbox is not None and mailbox.active:
        notify(session, settings, ticket, event, [mailbox], context={
            "headline": text, "lines": ["Merci de vous assurer que quelqu'un suit ce dossier pendant leur absence."],
        })
        told = [mailbox.email]
    else:
        managers = _managers(session, group)
        for agent in managers:
            lifecycle.invite_agent(session, settings, ticket, agent, actor="gateway")
        told = [a.email for a in managers]
    audit(session, "group.away", ticket_id=ticket.id, group=group.name, told=told)


def _managers(session: Session, group: Group) -> list[Agent]:
    """Managers of the groups covering the group's areas (the group's own managers included)."""
    area_ids = [a.id for a in group.areas]
    statement = (select(Agent).join(Membership, Membership.agent_id == Agent.id)
                 .where(Membership.role.in_(MANAGER_ROLES), Agent.active.is_(True)))
    if area_ids:
        statement = statement.join(group_areas, group_areas.c.group_id == Membership.group_id).where(
            group_areas.c.area_id.in_(area_ids))
    else:
        statement = statement.where(Membership.group_id == group.id)
    return list(dict.fromkeys(session.scalars(statement.order_by(Agent.email))))
