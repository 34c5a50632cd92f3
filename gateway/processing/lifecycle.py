"""The life of a case: take it, close it, reopen it, invite, remove, usefulness.

The functions the mail commands (``gateway.processing.commands``), the
scheduler and the admin all call, so that a case taken by mail or by a
button behaves the same. Each one changes the ticket, writes a line in its
history and in the audit log, and queues the mails it causes in the
caller's session; the caller commits (one unit of work).

``actor`` is who did it as the audit log names them: an e-mail address, or
"admin:<login>", or "gateway" for the scheduler.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import addresses
from gateway.config import Settings
from gateway.models import Agent, Group, Membership, Participant, Ticket, audit, utcnow
from gateway.outbound.actions import usefulness_addresses, usefulness_mailtos
from gateway.outbound.fanout import subject_for
from gateway.outbound.notices import active_agents, notify, people, record_event
from gateway.processing.scope import add_group_scope, remove_group_scope

USEFULNESS = {"oui": "Oui", "ne_sait_pas": "Je ne sais pas", "non": "Non"}


def take_ticket(session: Session, settings: Settings, ticket: Ticket, agent_participant: Participant) -> None:
    """ "Je m'en occupe": the agent is named as taking the case; everyone else is told."""
    who = agent_participant
    ticket.taken_by_id = who.id
    if ticket.status == "new":
        ticket.status = "open"
    if ticket.first_agent_reply_at is None:  # taking the case is an answer: it is no longer waiting
        ticket.first_agent_reply_at = utcnow()
    event = record_event(session, settings, ticket, f"{who.label} s'occupe du dossier.", author=who)
    others = [p for p in ticket.participants if p.id != who.id]
    notify(session, settings, ticket, event, others, author_label=who.label, context=lambda r: {
        "headline": f"{who.label} s'occupe de {'votre demande' if not r.is_agent else 'ce dossier'}.",
        "lines": [] if not r.is_agent else ["Vous restez dans le dossier et recevez la suite des échanges."],
    })
    audit(session, "ticket.taken", ticket_id=ticket.id, actor=who.email, participant=who.id)


def close_ticket(session: Session, settings: Settings, ticket: Ticket, *, actor: str,
                 participant: Participant | None = None, note: str = "") -> None:
    """ "Dossier traité": closed, and the requester is asked whether the answer helped."""
    if ticket.status == "closed":
        return
    ticket.status, ticket.closed_at, ticket.late_since = "closed", utcnow(), None
    by = participant.label if participant is not None else f"l'équipe {settings.site_name}"
    event = record_event(session, settings, ticket, f"Dossier clos par {by}." + (f"\n{note}" if note else ""),
                         author=participant)
    requester = next((p for p in ticket.participants if p.role == "requester"), None)
    subject = subject_for(ticket, reply=False)
    if requester is not None and requester.active and requester is not participant:
        notify(session, settings, ticket, event, [requester], template="closed", author_label="", context={
            "closed_by": by, "note": note, "reopen_days": settings.reopen_days,
            "useful_links": usefulness_addresses(settings, ticket, requester),
            "useful_mailtos": usefulness_mailtos(settings, ticket, requester, subject),
        })
    others = [p for p in ticket.participants if p is not requester and p is not participant]
    notify(session, settings, ticket, event, others, context={
        "headline": f"Le dossier {ticket.reference} a été clos par {by}.",
        "lines": [note] if note else [],
    })
    audit(session, "ticket.closed", ticket_id=ticket.id, actor=actor, note=note)


def reopen_ticket(session: Session, settings: Settings, ticket: Ticket, *, actor: str,
                  participant: Participant | None = None, quiet: bool = False) -> None:
    """The case starts again: open, and the agents are told (the usefulness answer stays).

    ``quiet``: no notice, because the reply that reopens it is relayed anyway.
    """
    if ticket.status != "closed":
        return
    ticket.status, ticket.closed_at = "open", None
    by = participant.label if participant is not None else f"l'équipe {settings.site_name}"
    event = record_event(session, settings, ticket, f"Dossier rouvert par {by}.", author=participant, internal=True)
    if not quiet:
        notify(session, settings, ticket, event, [p for p in active_agents(ticket) if p is not participant],
               context={"headline": f"Le dossier {ticket.reference} est rouvert ({by})."})
    audit(session, "ticket.reopened", ticket_id=ticket.id, actor=actor)


def invite_group(session: Session, settings: Settings, ticket: Ticket, group: Group, *, actor: str,
                 reasons: list[str] = ()) -> list[Participant]:
    """Bring a group in: its active agents and shared mailbox, and the group in the ticket's scope."""
    add_group_scope(session, ticket, group)
    members = [(m.agent.email, m.agent.full_name, m.agent.id) for m in group.memberships if m.agent.active]
    if group.mailbox:
        members.append((group.mailbox.lower(), group.name, None))
    added = [_add_agent(session, settings, ticket, email, name, group, agent_id) for email, name, agent_id in members]
    added = [p for p in added if p is not None]
    _announce_invitation(session, settings, ticket, added, group.name, actor, reasons)
    audit(session, "ticket.group_invited", ticket_id=ticket.id, actor=actor, group=group.name,
          participants=[p.email for p in added], reasons=list(reasons))
    return added


def invite_agent(session: Session, settings: Settings, ticket: Ticket, agent: Agent, *, actor: str) -> Participant:
    """Bring one agent of the directory in (a colleague in Cc, or the admin's choice)."""
    existing = next((p for p in ticket.participants if p.email == agent.email.lower()), None)
    if existing is not None and existing.active:
        return existing
    group = _agent_group(session, ticket, agent)
    if group is not None:
        add_group_scope(session, ticket, group)  # the group's tickets now include this one
    participant = _add_agent(session, settings, ticket, agent.email.lower(), agent.full_name, group, agent.id)
    _announce_invitation(session, settings, ticket, [participant], participant.label, actor, [])
    audit(session, "ticket.agent_invited", ticket_id=ticket.id, actor=actor, agent=agent.email,
          group=group.name if group else None)
    return participant


def remove_participant(session: Session, settings: Settings, ticket: Ticket, participant: Participant, *,
                       actor: str, reason: str = "", quiet: bool = False) -> None:
    """The participant leaves the ticket: no more mail, their replies are refused; history stays.

    ``quiet``: the caller tells the agents itself (one notice for a whole group leaving).
    """
    if not participant.active:
        return
    participant.removed_at = utcnow()
    if ticket.taken_by_id == participant.id:
        ticket.taken_by_id = None
    if participant.group_id is not None and not any(
        p.active and p.group_id == participant.group_id for p in ticket.participants
    ):
        remove_group_scope(session, ticket, participant.group_id)
    text = f"{participant.label} ne participe plus au dossier." + (f" Raison : {reason}" if reason else "")
    event = record_event(session, settings, ticket, text, internal=True)
    if not quiet:
        notify(session, settings, ticket, event, active_agents(ticket), context={"headline": text})
    audit(session, "participant.removed", ticket_id=ticket.id, actor=actor, participant=participant.email,
          reason=reason)


def record_usefulness(session: Session, ticket: Ticket, answer: str) -> None:
    """The requester's answer to "Cette réponse vous a-t-elle été utile ?"; a later answer replaces it."""
    if answer not in USEFULNESS:
        raise ValueError(f"réponse inconnue : {answer!r} (attendu : {', '.join(USEFULNESS)})")
    previous = ticket.usefulness
    ticket.usefulness, ticket.usefulness_at = answer, utcnow()
    audit(session, "ticket.usefulness", ticket_id=ticket.id, answer=answer, previous=previous)


# -- helpers --------------------------------------------------------------------


def _add_agent(session: Session, settings: Settings, ticket: Ticket, email: str, name: str, group: Group | None,
               agent_id: int | None) -> Participant | None:
    """A new (or returning) agent participant with its token; None when already active on the ticket."""
    existing = next((p for p in ticket.participants if p.email == email), None)
    if existing is not None:
        if existing.active:
            return None
        existing.removed_at = None  # invited again after leaving
        return existing
    participant = Participant(role="agent", email=email, display_name=name,
                              organisation_label=group.name if group else "",
                              group_id=group.id if group else None, agent_id=agent_id)
    ticket.participants.append(participant)
    session.flush()
    participant.token = addresses.make_token(settings.secret, "reply", ticket.id, participant.id)
    return participant


def _agent_group(session: Session, ticket: Ticket, agent: Agent) -> Group | None:
    """The agent's group already on the ticket, else their first group."""
    groups = list(session.scalars(select(Group).join(Membership).where(Membership.agent_id == agent.id)
                                  .order_by(Group.name)))
    on_ticket = {g.id for g in ticket.groups}
    return next((g for g in groups if g.id in on_ticket), groups[0] if groups else None)


def _announce_invitation(session: Session, settings: Settings, ticket: Ticket, added: list[Participant],
                         who: str, actor: str, reasons) -> None:
    """The new participants get the case so far; the agents already there are told."""
    if not added:
        return
    event = record_event(session, settings, ticket, f"{who} a été invité dans le dossier.", internal=True)
    request = next((m for m in ticket.messages if m.kind == "message"), None)
    history = [m for m in ticket.messages if m.kind in ("message", "note")][1:][-5:]
    quoted = request.trimmed or request.text if request is not None else ""
    for message in history:
        author = message.author.label if message.author else settings.site_name
        quoted += f"\n\n— {author}{' (note interne)' if message.visibility == 'internal' else ''} :\n{message.trimmed}"
    notify(session, settings, ticket, event, added, context={
        "headline": f"Vous êtes invité(e) dans le dossier {ticket.reference}.",
        "lines": [*(f"Pourquoi vous : {r}" for r in reasons), "Voici la demande et les derniers échanges."],
        "quoted": quoted.strip(),
    })
    newcomers = {p.id for p in added}
    notify(session, settings, ticket, event, [p for p in active_agents(ticket) if p.id not in newcomers], context={
        "headline": f"{who} a été invité dans le dossier {ticket.reference}.",
    })
