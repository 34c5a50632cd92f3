"""The outbox (queued, deferred, failed, sent; "retry now") and the bounces reported back to us."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, defer

from admin import context
from admin.audit_log import actor_name
from admin.mailflow import bp
from admin.security import client_address, role_required
from gateway.models import Bounce, OutboundMail, Participant, Ticket
from gateway.outbound.retry import RetryError, retry_now

PAGE_SIZE = 50
VIEWS = {  # ?etat= -> (heading, condition)
    "failed": ("Messages sortants en échec", lambda: OutboundMail.state == "failed"),
    "deferred": ("Messages sortants reportés (nouvel essai prévu)",
                 lambda: (OutboundMail.state == "queued") & (OutboundMail.last_error != "")),
    "queued": ("Messages sortants en file", lambda: (OutboundMail.state == "queued") & (OutboundMail.last_error == "")),
    "sent": ("Messages sortants envoyés", lambda: OutboundMail.state == "sent"),
}
STATE_LABELS = {"failed": "en échec", "deferred": "reporté", "queued": "en file", "sent": "envoyé"}


@bp.get("/sortie")
@role_required("admin")
def outbox():
    view = request.args.get("etat", "failed")
    if view not in VIEWS:
        abort(404)
    heading, condition = VIEWS[view]
    page = max(1, request.args.get("page", 1, type=int))
    session = context.db()
    total = session.scalar(select(func.count()).select_from(OutboundMail).where(condition()))
    rows = session.execute(
        select(OutboundMail, Ticket.reference).options(defer(OutboundMail.raw))
        .outerjoin(Ticket, Ticket.id == OutboundMail.ticket_id).where(condition())
        .order_by(OutboundMail.created_at.desc(), OutboundMail.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template("admin/mailflow/outbox.html", view=view, views=VIEWS, heading=heading, rows=rows,
                           total=total, page=page, pages=max(1, -(-total // PAGE_SIZE)), labels=STATE_LABELS)


@bp.post("/sortie/<int:outbound_id>/renvoyer")
@role_required("admin")
def retry(outbound_id: int):
    session = context.db()
    try:
        with session.begin_nested():
            row = retry_now(session, outbound_id, actor=actor_name(), client_address=client_address())
    except RetryError as refusal:
        flash(str(refusal), "error")
    else:
        flash(f"Le message pour {row.recipient} est remis en file : il part au prochain passage de l'envoi.", "success")
    return redirect(url_for("mailflow.outbox", etat=request.form.get("retour", "failed")
                            if request.form.get("retour") in VIEWS else "failed"))


@bp.get("/rebonds")
@role_required("admin")
def bounces():
    page = max(1, request.args.get("page", 1, type=int))
    only_permanent = request.args.get("permanents") == "1"
    session = context.db()
    condition = Bounce.permanent.is_(True) if only_permanent else Bounce.id.is_not(None)
    total = session.scalar(select(func.count()).select_from(Bounce).where(condition))
    participant = aliased(Participant)
    rows = session.execute(
        select(Bounce, participant, Ticket.reference)
        .outerjoin(participant, participant.id == Bounce.participant_id)
        .outerjoin(Ticket, Ticket.id == Bounce.ticket_id)
        .where(condition).order_by(Bounce.at.desc(), Bounce.id.desc())
        .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template("admin/mailflow/bounces.html", rows=rows, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), only_permanent=only_permanent)
