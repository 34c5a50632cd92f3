"""The spool: lists by state, one mail's page, and the actions on it (reprocess, release, discard; review)."""

from __future__ import annotations

import json

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from admin import context
from admin.audit_log import actor_name
from admin.mailflow import bp
from admin.mailflow.reading import explain, headers, subject_of
from admin.security import client_address, role_required
from gateway.models import AuditEvent, InboundMail, Ticket
from gateway.processing import review, spool_actions
from gateway.processing.spool_actions import SpoolActionError, label

PAGE_SIZE = 50
LISTED_STATES = ("quarantined", "review", "queued", "discarded", "done")
HEADINGS = {
    "quarantined": "Messages en quarantaine",
    "review": "Réponses à vérifier",
    "queued": "Messages en file d'attente",
    "discarded": "Messages écartés ou refusés après vérification",
    "done": "Messages traités",
}


@bp.get("/entree")
@role_required("admin")
def inbound_list():
    state = request.args.get("etat", "quarantined")
    if state not in LISTED_STATES:
        abort(404)
    page = max(1, request.args.get("page", 1, type=int))
    session = context.db()
    total = session.scalar(select(func.count()).select_from(InboundMail).where(InboundMail.state == state))
    rows = session.scalars(
        select(InboundMail).where(InboundMail.state == state)
        .order_by(InboundMail.received_at.desc(), InboundMail.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    mails = [(row, subject_of(row.raw)) for row in rows]
    return render_template("admin/mailflow/inbound_list.html", state=state, states=LISTED_STATES, headings=HEADINGS,
                           mails=mails, total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), label=label)


@bp.get("/entree/<int:inbound_id>")
@role_required("admin")
def inbound_page(inbound_id: int):
    session = context.db()
    row = session.get(InboundMail, inbound_id)
    if row is None:
        abort(404)
    ticket = session.get(Ticket, row.ticket_id) if row.ticket_id else None
    try:
        explained, explain_error = explain(session, context.settings(), row), None
    except Exception as error:  # a mail the reader cannot take is exactly what this page is for
        explained, explain_error = None, f"{error.__class__.__name__} : {error}"
    history = session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(ACTIONS_ON_MAIL)).where(_about(inbound_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return render_template("admin/mailflow/inbound_page.html", mail=row, ticket=ticket, headers=headers(row.raw),
                           explained=explained, explain_error=explain_error, history=history, label=label,
                           raw_size=len(row.raw))


ACTIONS_ON_MAIL = ("spool.reprocess", "spool.release", "spool.discard", "review.released", "review.rejected")


def _about(inbound_id: int):
    """Audit events naming this mail: the detail is JSON text, so its key and value are matched as written
    by ``json.dumps`` (spool actions say "inbound", review actions "inbound_id"), followed by "," or "}"."""
    return or_(*(
        AuditEvent.detail.contains(f'"{key}": {inbound_id}{end}') for key in ("inbound", "inbound_id") for end in ",}"
    ))


@bp.post("/entree/<int:inbound_id>/retraiter")
@role_required("admin")
def reprocess(inbound_id: int):
    return _act(inbound_id, lambda s: spool_actions.reprocess(s, inbound_id, **_who()),
                "Le message est remis en file : il sera traité de nouveau dans un instant.")


@bp.post("/entree/<int:inbound_id>/liberer")
@role_required("admin")
def release(inbound_id: int):
    def run(session: Session) -> str:
        ticket = spool_actions.release_as_ticket(session, context.settings(), inbound_id, **_who())
        return f"Le message est libéré : le dossier {ticket.reference} est ouvert et les accusés partent par la file de sortie."
    return _act(inbound_id, run)


@bp.post("/entree/<int:inbound_id>/ecarter")
@role_required("admin")
def discard(inbound_id: int):
    reason = request.form.get("raison", "")
    return _act(inbound_id, lambda s: spool_actions.discard(s, inbound_id, reason=reason, **_who()),
                "Le message est écarté ; il reste conservé jusqu'à la purge et la raison est au journal.")


@bp.post("/entree/<int:inbound_id>/valider")
@role_required("admin")
def release_held(inbound_id: int):
    def run(session: Session) -> str:
        outcome = review.release_held(session, context.settings(), inbound_id, actor=actor_name())
        _stamp_client_address(session, "review.released")
        if outcome.state == "quarantined":
            return f"Le message est traité, mais mis en quarantaine : {outcome.reason}"
        return "Le message est accepté et traité comme si son expéditeur était authentifié."
    return _act(inbound_id, run)


@bp.post("/entree/<int:inbound_id>/refuser")
@role_required("admin")
def reject_held(inbound_id: int):
    reason = " ".join(request.form.get("raison", "").split())

    def run(session: Session) -> str:
        if not reason:
            raise SpoolActionError("Indiquez pourquoi ce message est refusé : la raison est gardée au journal.")
        review.reject_held(session, context.settings(), inbound_id, actor=actor_name(), reason=reason)
        _stamp_client_address(session, "review.rejected")
        return "Le message est refusé : il ne sera jamais relayé. Il reste conservé jusqu'à la purge."
    return _act(inbound_id, run)


def _who() -> dict[str, str]:
    return {"actor": actor_name(), "client_address": client_address()}


def _act(inbound_id: int, action, done: str | None = None):
    """Run an action in a savepoint: a refusal rolls back what it began and is shown as a French message."""
    session = context.db()
    try:
        with session.begin_nested():
            message = action(session)
    except (SpoolActionError, review.NotHeld) as refusal:
        flash(str(refusal), "error")
    else:
        flash(done or message, "success")
    return redirect(url_for("mailflow.inbound_page", inbound_id=inbound_id))


def _stamp_client_address(session: Session, action: str) -> None:
    """The review functions audit who decided; the admin adds from which address, in the same event."""
    for event in session.new:
        if isinstance(event, AuditEvent) and event.action == action:
            detail = json.loads(event.detail or "{}")
            detail["client_address"] = client_address()
            event.detail = json.dumps(detail, default=str)
