"""Late cases: reminded after 3 business days without an agent's answer, experts after 5.

A ticket waits while no agent answered it (``first_agent_reply_at`` is
empty: a message or "je m'en occupe" both count). Business days are those
of the ticket's area (``gateway.business_days``). Each step happens once per
ticket, whatever the number of schedulers and restarts: its key
("late:<id>", "experts:<id>") is claimed in the transaction that sends the
mails (``gateway.processing.marks``).

The clock is read when each ticket is looked at, never passed around: a tick
run late acts as it would at that moment, and a week of missed ticks is one
catch-up, since the keys say what was already done.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.business_days import add_business_days
from gateway.config import Settings
from gateway.models import Agent, Area, Group, Membership, Ticket, TicketArea, audit, group_areas, utcnow
from gateway.outbound.notices import active_agents, notify, record_event
from gateway.processing import lifecycle, marks

EXPERT_ROLES = ("manager", "expert")


def waiting_ticket_ids(session: Session) -> list[int]:
    """Tickets no agent answered yet (the candidates; each is then checked in its own unit of work)."""
    return list(session.scalars(
        select(Ticket.id).where(Ticket.status != "closed", Ticket.first_agent_reply_at.is_(None),
                                Ticket.purged_at.is_(None)).order_by(Ticket.id)
    ))


def ticket_area(session: Session, ticket: Ticket) -> str | None:
    """The area whose calendar counts: where the person lives now (a move's destination first)."""
    rows = session.execute(
        select(Area.code, TicketArea.role).join(TicketArea, TicketArea.area_id == Area.id)
        .where(TicketArea.ticket_id == ticket.id)
    ).all()
    order = {"destination": 0, "": 1, "origin": 2}
    return min(rows, key=lambda r: (order.get(r[1], 3), r[0]))[0] if rows else None


def remind_if_late(session: Session, settings: Settings, ticket: Ticket) -> bool:
    """After ``late_business_days``: the ticket is late and its agents are reminded, once."""
    if not _waiting(ticket):
        return False
    area = ticket_area(session, ticket)
    due = add_business_days(ticket.created_at, settings.late_business_days, area)
    if utcnow() < due or not marks.claim(session, f"late:{ticket.id}", ticket_id=ticket.id):
        return False
    ticket.late_since = due
    days = settings.late_business_days
    event = record_event(session, settings, ticket, internal=True,
                         text=f"Dossier en retard : aucune réponse d'agent depuis {days} jours ouvrés.")
    sent = notify(session, settings, ticket, event, active_agents(ticket), context={
        "headline": f"Rappel : le dossier {ticket.reference} attend une réponse depuis {days} jours ouvrés.",
        "lines": [
            "Personne n'a encore répondu à cette demande.",
            "Si vous vous en occupez, dites-le (« Je m'en occupe ») ; si ce n'est pas pour vous, répondez "
            "« #pasmoi » pour qu'elle soit orientée ailleurs.",
        ],
    })
    audit(session, "ticket.late", ticket_id=ticket.id, due=due.isoformat(), area=area, reminded=sent)
    return True


def bring_experts_if_late(session: Session, settings: Settings, ticket: Ticket) -> bool:
    """After ``experts_business_days``: the area's managers and experts join the ticket, once."""
    if not _waiting(ticket):
        return False
    area = ticket_area(session, ticket)
    due = add_business_days(ticket.created_at, settings.experts_business_days, area)
    if utcnow() < due or not marks.claim(session, f"experts:{ticket.id}", ticket_id=ticket.id):
        return False
    experts = area_experts(session, ticket)
    days = settings.experts_business_days
    for agent in experts:
        lifecycle.invite_agent(session, settings, ticket, agent, actor="gateway")
    if not experts:
        record_event(session, settings, ticket, internal=True, text=(
            f"Aucune réponse depuis {days} jours ouvrés, et aucun responsable ni expert du territoire "
            "dans l'annuaire : à suivre par l'équipe nationale."))
    audit(session, "ticket.experts", ticket_id=ticket.id, due=due.isoformat(), area=area,
          experts=[a.email for a in experts])
    return True


def area_experts(session: Session, ticket: Ticket) -> list[Agent]:
    """Active managers and experts of the groups covering the ticket's areas (or its groups, failing areas)."""
    area_ids = [a.id for a in ticket.areas]
    statement = (select(Agent).join(Membership, Membership.agent_id == Agent.id)
                 .where(Membership.role.in_(EXPERT_ROLES), Agent.active.is_(True)))
    if area_ids:
        statement = statement.join(group_areas, group_areas.c.group_id == Membership.group_id).where(
            group_areas.c.area_id.in_(area_ids))
    else:
        statement = statement.where(Membership.group_id.in_([g.id for g in ticket.groups] or [-1]))
    return list(dict.fromkeys(session.scalars(statement.order_by(Agent.email))))


def _waiting(ticket: Ticket) -> bool:
    return ticket.status != "closed" and ticket.first_agent_reply_at is None and ticket.purged_at is None
