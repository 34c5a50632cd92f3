"""What a reply does beyond being relayed: commands, usefulness answers, reopening, colleagues in Cc.

``act_on_reply`` is called by ``conversation.accept_reply`` for every reply
matched to a ticket. It returns an ``Outcome`` when it handled the mail
completely, or None to let the reply be stored and relayed as usual (then
``text`` in the returned plan may differ: a command line is not relayed).

The storing and opening functions of ``conversation`` are passed in
(``ReplyTools``) rather than imported, so that this module does not import
``conversation``, which calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway import addresses
from gateway.config import Settings
from gateway.models import Agent, Group, InboundMail, Message, Participant, Ticket, audit, utcnow
from gateway.outbound.actions import USEFULNESS_BODIES
from gateway.outbound.notices import active_agents, notify, record_event
from gateway.processing import lifecycle, marks
from gateway.processing.commands import Command, fold, parse_command, substance
from gateway.processing.invitation_target import resolve_target
from gateway.processing.outcomes import Outcome, done
from gateway.processing.thread_match import Matched
from gateway.understand.model import Understood


@dataclass
class ReplyTools:
    """``relay(text, visibility) -> Message`` stores the reply with that text and relays it;
    ``open_new(previous) -> Outcome`` opens a new ticket from the mail, linked to ``previous``."""

    relay: Callable[[str, str], Message]
    open_new: Callable[[Ticket], Outcome]


def act_on_reply(session: Session, settings: Settings, inbound: InboundMail, mail: Understood, match: Matched,
                 tools: ReplyTools) -> Outcome | None:
    ticket, author = match.ticket, match.participant
    text = mail.trimmed or mail.text
    if match.usefulness:
        return _usefulness(session, settings, ticket, author, match.usefulness, text, tools)
    if ticket.status == "closed":
        outcome = _reply_after_closing(session, settings, inbound, ticket, author, tools)
        if outcome is not None:
            return outcome
    command = parse_command(text) if match.visibility in ("public", "internal") else None
    if command is not None and (command.tagged or author.is_agent):
        return _command(session, settings, inbound, mail, match, command, tools)
    return None


def after_reply(session: Session, settings: Settings, mail: Understood, match: Matched) -> None:
    """Colleagues an agent put in Cc: agents of the directory join; anyone else waits for the admin."""
    ticket, author = match.ticket, match.participant
    known = {p.email for p in ticket.participants if p.active}
    for address in [*mail.to, *mail.cc]:
        email = address.email.lower()
        if email in known or addresses.split_address(email)[1] == settings.domain:
            continue
        known.add(email)
        agent = session.scalars(select(Agent).where(Agent.email == email, Agent.active.is_(True))).first()
        if agent is not None and author.is_agent:
            lifecycle.invite_agent(session, settings, ticket, agent, actor=author.email)
            continue
        record_event(session, settings, ticket, internal=True, text=(
            f"{address.name + ' ' if address.name else ''}<{email}> était en copie du message de {author.label} : "
            "pas ajouté au dossier. L'administrateur décide s'il faut l'inviter."))
        audit(session, "participant.cc_pending", ticket_id=ticket.id, actor=author.email, email=email,
              name=address.name)


# -- usefulness, closed tickets ------------------------------------------------


def _usefulness(session: Session, settings: Settings, ticket: Ticket, author: Participant, answer: str, text: str,
                tools: ReplyTools) -> Outcome:
    lifecycle.record_usefulness(session, ticket, answer)
    extra = "\n".join(line for line in text.splitlines() if fold(line) != fold(USEFULNESS_BODIES[answer])).strip()
    if extra:
        tools.relay(text, "public")
    return done(f"usefulness {answer} on {ticket.reference}", ticket)


def _reply_after_closing(session: Session, settings: Settings, inbound: InboundMail, ticket: Ticket,
                         author: Participant, tools: ReplyTools) -> Outcome | None:
    """Within the window: reopen, then relay. Later: a new ticket for a person, a short answer to an agent."""
    closed_at = ticket.closed_at or utcnow()
    if utcnow() - closed_at <= timedelta(days=settings.reopen_days):
        lifecycle.reopen_ticket(session, settings, ticket, actor=author.email, participant=author, quiet=True)
        return None
    if not author.is_agent:
        audit(session, "ticket.followed_up", ticket_id=ticket.id, actor=author.email, inbound=inbound.id)
        return tools.open_new(ticket)
    _refuse(session, settings, ticket, author, "closed", (
        f"Le dossier {ticket.reference} est clos depuis plus de {settings.reopen_days} jours : "
        "votre message n'a pas été transmis. Si l'usager a besoin d'aide, il peut écrire à nouveau à "
        f"{settings.address}, ce qui ouvrira un nouveau dossier."))
    return done(f"reply by an agent to {ticket.reference}, closed too long ago: answered, nothing relayed", ticket)


# -- commands ----------------------------------------------------------------------


def _command(session: Session, settings: Settings, inbound: InboundMail, mail: Understood, match: Matched,
             command: Command, tools: ReplyTools) -> Outcome:
    ticket, author = match.ticket, match.participant
    command.rest = substance(command.rest, author.display_name)
    problem = _not_allowed(author, command)
    if problem:
        _refuse(session, settings, ticket, author, f"{command.kind}:{fold(command.argument)[:40]}", problem)
        audit(session, "command.refused", ticket_id=ticket.id, actor=author.email, command=command.kind,
              line=command.line, reason=problem)
        return done(f"command {command.kind} refused on {ticket.reference}", ticket)
    if command.kind == "invite":
        target = resolve_target(session, settings, command.argument)
        if target.problem:
            _refuse(session, settings, ticket, author, f"invite:{fold(command.argument)[:40]}",
                    f"Invitation impossible : {target.problem}")
            audit(session, "command.refused", ticket_id=ticket.id, actor=author.email, command="invite",
                  line=command.line, reason=target.problem)
            return done(f"invitation not understood on {ticket.reference}", ticket)
        if command.rest:
            tools.relay(command.rest, "internal")
        for group in target.groups:
            lifecycle.invite_group(session, settings, ticket, group, actor=author.email, reasons=target.reasons)
        audit(session, "command.invite", ticket_id=ticket.id, actor=author.email, line=command.line,
              groups=[g.name for g in target.groups], evidence=target.reasons)
        after_reply(session, settings, mail, match)
        return done(f"invited {', '.join(g.name for g in target.groups)} on {ticket.reference}", ticket)
    if command.kind == "take":
        if command.rest:
            tools.relay(command.rest, match.visibility)
        lifecycle.take_ticket(session, settings, ticket, author)
    elif command.kind == "treated":
        if command.rest:
            tools.relay(command.rest, match.visibility)
        lifecycle.close_ticket(session, settings, ticket, actor=author.email, participant=author)
    elif command.kind == "not_me":
        _not_me(session, settings, ticket, author, command)
    audit(session, f"command.{command.kind}", ticket_id=ticket.id, actor=author.email, line=command.line,
          tagged=command.tagged)
    after_reply(session, settings, mail, match)
    return done(f"command {command.kind} by {author.email} on {ticket.reference}", ticket)


def _not_allowed(author: Participant, command: Command) -> str:
    if command.kind == "unknown":
        return (f"La commande « {command.tag} » n'existe pas. Les commandes possibles sont #jemenoccupe, "
                "#pasmoi, #traite et #inviter suivi d'un groupe (exemple : #inviter CPAM 13). "
                "Votre message n'a pas été transmis : renvoyez-le sans la commande, ou avec une commande correcte.")
    if command.kind == "treated" and author.role == "aidant":
        return ""
    if not author.is_agent:
        return ("Seuls les agents A+ peuvent utiliser les commandes (#jemenoccupe, #pasmoi, #traite, #inviter). "
                "Votre message n'a pas été transmis : pour écrire aux agents qui suivent votre dossier, "
                "répondez simplement, sans commande.")
    return ""


def _not_me(session: Session, settings: Settings, ticket: Ticket, author: Participant, command: Command) -> None:
    """The agent's group (or the agent alone) leaves; the others learn why and whom to invite."""
    reason, suggestion = command.reason, command.suggestion
    leaving = [p for p in ticket.participants if p.active and (
        p.id == author.id or (author.group_id is not None and p.group_id == author.group_id))]
    who = author.organisation_label or author.label
    for participant in leaving:
        lifecycle.remove_participant(session, settings, ticket, participant, actor=author.email, reason=reason,
                                     quiet=True)
    lines = [f"Raison : {reason}" if reason else "Aucune raison donnée."]
    if suggestion:
        target = resolve_target(session, settings, suggestion)
        if target.groups:
            names = ", ".join(g.name for g in target.groups)
            lines.append(f"Suggestion : inviter {names}. Pour le faire, répondez : #inviter {target.groups[0].name}")
        else:
            lines.append(f"Suggestion : « {suggestion} » (introuvable dans l'annuaire, à vérifier).")
    event = record_event(session, settings, ticket, internal=True,
                         text=f"{author.label} : « pas le bon interlocuteur » pour {who}.\n" + "\n".join(lines))
    remaining = active_agents(ticket)
    notify(session, settings, ticket, event, remaining, context={
        "headline": (f"{author.label} indique que ce dossier ne relève pas de {who}, qui s'en retire."
                     if author.group_id is not None else
                     f"{author.label} indique ne pas être le bon interlocuteur et se retire du dossier."),
        "lines": lines,
    })
    if not remaining:  # nobody left to read the case: the national team takes it back
        default = session.scalars(select(Group).where(Group.name == settings.default_group)).first()
        if default is not None:
            lifecycle.invite_group(session, settings, ticket, default, actor="gateway",
                                   reasons=[f"{who} n'est pas le bon interlocuteur et plus personne ne suit le dossier"])
    audit(session, "ticket.not_me", ticket_id=ticket.id, actor=author.email, group=who, reason=reason,
          suggestion=suggestion)


def _refuse(session: Session, settings: Settings, ticket: Ticket, author: Participant, what: str, sentence: str) -> None:
    """A short French answer to the author, once for the same mistake on the same ticket."""
    if not marks.claim(session, f"refusal:{ticket.id}:{author.id}:{what}", ticket_id=ticket.id):
        return
    event = record_event(session, settings, ticket, internal=True,
                         text=f"Commande refusée pour {author.label} : {sentence}")
    notify(session, settings, ticket, event, [author], context={
        "headline": "Votre message n'a pas pu être pris en compte.", "lines": [sentence],
    })
