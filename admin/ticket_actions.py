"""What the national team and the area managers can do to a ticket, each a POST form.

Every action calls the same functions as the mail side (``gateway.processing.lifecycle``
for invitations, removals, closing and reopening; ``gateway.outbound.fanout`` for a
message), so the participants get the same mails through the same outbox; the
ticket is loaded through the account's scope (out of scope: 404), and the
change is audited with who, when and from where. After the action the browser
is sent back to the ticket's page with a message (post/redirect/get), so a
reload never repeats it.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from sqlalchemy import func, select

from gateway.models import Agent, Group, Message
from gateway.outbound import fanout
from gateway.processing import lifecycle
from admin import audit_log, context
from admin.security import role_required
from admin.tickets import readable_ticket

bp = Blueprint("ticket_actions", __name__)

ACTING_ROLES = ("admin", "manager")
MAX_MESSAGE = 20_000


def _back(ticket, anchor: str = ""):
    return redirect(url_for("tickets.show_ticket", reference=ticket.reference) + (f"#{anchor}" if anchor else ""))


@bp.post("/tickets/<reference>/message")
@role_required(*ACTING_ROLES)
def post_message(reference: str):
    ticket = readable_ticket(reference)
    text = request.form.get("text", "").strip()
    visibility = "internal" if request.form.get("visibility") == "internal" else "public"
    if not text:
        flash("Le message est vide : rien n'a été envoyé.", "error")
        return _back(ticket)
    if len(text) > MAX_MESSAGE:
        flash(f"Le message dépasse {MAX_MESSAGE} caractères : rien n'a été envoyé.", "error")
        return _back(ticket)
    session, settings = context.db(), context.settings()
    message = Message(author=None, visibility=visibility, kind="note" if visibility == "internal" else "message",
                      text=text, trimmed=text, source="admin",
                      our_message_id=fanout.new_message_id(settings, ticket, "a"))
    ticket.messages.append(message)
    session.flush()
    sent = fanout.relay_message(session, settings, ticket, message)
    audit_log.record("message.added", ticket_id=ticket.id, visibility=visibility, outbound=sent, message=message.id)
    flash(f"Message {'interne ' if visibility == 'internal' else ''}envoyé à {sent} participant{'s' if sent != 1 else ''}.",
          "success")
    return _back(ticket, "fil")


@bp.post("/tickets/<reference>/inviter-groupe")
@role_required(*ACTING_ROLES)
def invite_group(reference: str):
    ticket = readable_ticket(reference)
    group = _group(request.form.get("group_id"))
    added = lifecycle.invite_group(context.db(), context.settings(), ticket, group, actor=audit_log.actor_name())
    audit_log.record("admin.group_invited", ticket_id=ticket.id, group=group.name, added=[p.email for p in added])
    if added:
        flash(f"Groupe {group.name} invité : {len(added)} nouveau{'x' if len(added) > 1 else ''} participant"
              f"{'s' if len(added) > 1 else ''}, prévenu{'s' if len(added) > 1 else ''} par courriel.", "success")
    else:
        flash(f"Le groupe {group.name} n'a personne à ajouter (déjà présent, ou aucun agent actif).", "info")
    return _back(ticket, "participants")


@bp.post("/tickets/<reference>/inviter-agent")
@role_required(*ACTING_ROLES)
def invite_agent(reference: str):
    ticket = readable_ticket(reference)
    email = request.form.get("email", "").strip().lower()
    agent = context.db().scalars(select(Agent).where(func.lower(Agent.email) == email, Agent.active.is_(True))).first()
    if agent is None:
        flash(f"Aucun agent actif de l'annuaire n'a l'adresse « {email} ».", "error")
        return _back(ticket)
    participant = lifecycle.invite_agent(context.db(), context.settings(), ticket, agent, actor=audit_log.actor_name())
    audit_log.record("admin.agent_invited", ticket_id=ticket.id, agent=agent.email, participant=participant.id)
    flash(f"{agent.full_name or agent.email} est invité et prévenu par courriel.", "success")
    return _back(ticket, "participants")


@bp.post("/tickets/<reference>/participants/<int:participant_id>/retirer")
@role_required(*ACTING_ROLES)
def remove(reference: str, participant_id: int):
    ticket = readable_ticket(reference)
    participant = next((p for p in ticket.participants if p.id == participant_id), None)
    if participant is None:
        abort(404)
    if participant.role != "agent":
        flash("Seuls les agents peuvent être retirés d'un dossier ; le demandeur et l'aidant restent.", "error")
        return _back(ticket, "participants")
    reason = request.form.get("reason", "").strip()[:500]
    lifecycle.remove_participant(context.db(), context.settings(), ticket, participant,
                                 actor=audit_log.actor_name(), reason=reason)
    audit_log.record("admin.participant_removed", ticket_id=ticket.id, participant=participant.email, reason=reason)
    flash(f"{participant.label} ne participe plus au dossier.", "success")
    return _back(ticket, "participants")


@bp.post("/tickets/<reference>/reorienter")
@role_required(*ACTING_ROLES)
def reroute(reference: str):
    """Invite the chosen group, then remove the agents of every other group (the default group's too)."""
    ticket = readable_ticket(reference)
    group = _group(request.form.get("group_id"))
    reason = request.form.get("reason", "").strip()[:500] or f"dossier réorienté vers {group.name}"
    session, settings, actor = context.db(), context.settings(), audit_log.actor_name()
    added = lifecycle.invite_group(session, settings, ticket, group, actor=actor, reasons=[reason])
    removed = []
    for participant in list(ticket.participants):
        if participant.is_agent and participant.active and participant.group_id != group.id:
            lifecycle.remove_participant(session, settings, ticket, participant, actor=actor, reason=reason)
            removed.append(participant.email)
    audit_log.record("ticket.rerouted", ticket_id=ticket.id, group=group.name, added=[p.email for p in added],
                     removed=removed, reason=reason)
    flash(f"Dossier réorienté vers {group.name} : {len(added)} agent(s) invité(s), {len(removed)} retiré(s).", "success")
    return _back(ticket, "participants")


@bp.post("/tickets/<reference>/clore")
@role_required(*ACTING_ROLES)
def close(reference: str):
    ticket = readable_ticket(reference)
    if ticket.status == "closed":
        flash("Ce dossier est déjà clos.", "info")
        return _back(ticket)
    note = request.form.get("note", "").strip()[:2000]
    lifecycle.close_ticket(context.db(), context.settings(), ticket, actor=audit_log.actor_name(), note=note)
    audit_log.record("admin.ticket_closed", ticket_id=ticket.id, note=note)
    flash("Dossier clos. Le demandeur reçoit un courriel lui demandant si la réponse lui a été utile.", "success")
    return _back(ticket)


@bp.post("/tickets/<reference>/rouvrir")
@role_required(*ACTING_ROLES)
def reopen(reference: str):
    ticket = readable_ticket(reference)
    if ticket.status != "closed":
        flash("Ce dossier n'est pas clos.", "info")
        return _back(ticket)
    lifecycle.reopen_ticket(context.db(), context.settings(), ticket, actor=audit_log.actor_name())
    audit_log.record("admin.ticket_reopened", ticket_id=ticket.id)
    flash("Dossier rouvert ; les agents en sont prévenus.", "success")
    return _back(ticket)


def _group(value: str | None) -> Group:
    try:
        group = context.db().get(Group, int(value or ""))
    except ValueError:
        group = None
    if group is None:
        abort(400)
    return group
