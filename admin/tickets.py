"""Tickets: the list (filters, search, sort, pages) and one ticket's page.

Every query goes through ``visible_tickets``: what an account may not read
is not fetched at all. Opening a ticket's page is audited.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gateway.models import Message, Ticket
from admin import audit_log, context
from admin.security import current_account, login_required, role_required, visible_tickets

bp = Blueprint("tickets", __name__)

PAGE_SIZE = 50
STATUS_LABELS = {"new": "nouveau", "open": "en cours", "closed": "clos"}


@bp.get("/tickets")
@login_required
def list_tickets():
    account = current_account()
    if account.role == "observer":
        return _counts_only()
    page = max(1, request.args.get("page", 1, type=int))
    statement = visible_tickets(select(Ticket), account).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    total = context.db().scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    tickets = context.db().scalars(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("admin/tickets/list.html", tickets=tickets, total=total, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)), status_labels=STATUS_LABELS)


def _counts_only():
    """Observers see how many tickets there are, never what they say."""
    rows = context.db().execute(select(Ticket.status, func.count(Ticket.id)).group_by(Ticket.status)).all()
    counts = {status: count for status, count in rows}
    return render_template("admin/tickets/counts.html", counts=counts, status_labels=STATUS_LABELS,
                           total=sum(counts.values()))


@bp.get("/tickets/<reference>")
@role_required("admin", "manager")
def show_ticket(reference: str):
    statement = visible_tickets(select(Ticket).where(Ticket.reference == reference.upper()), current_account())
    ticket = context.db().scalars(statement.options(
        selectinload(Ticket.participants), selectinload(Ticket.messages).selectinload(Message.attachments),
    )).first()
    if ticket is None:
        abort(404)
    audit_log.record("ticket.viewed", ticket_id=ticket.id, reference=ticket.reference)
    return render_template("admin/tickets/page.html", ticket=ticket, status_labels=STATUS_LABELS)
