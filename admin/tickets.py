"""Tickets: the list (filters, search, sort, pages), one ticket's page, its attachments.

Every query goes through ``visible_tickets``: what an account may not read is
not fetched at all (a ticket out of scope is a 404, like one that does not
exist). Opening a ticket's page and downloading an attachment are audited.
Observers get counts only.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, send_file
from sqlalchemy import func, select
from sqlalchemy.orm import defer, selectinload

from gateway.models import (
    Area, Attachment, AuditEvent, Group, InboundMail, Message, Organisation, OutboundMail, Participant, Ticket,
)
from gateway.storage import attachment_store
from admin import audit_log, context
from admin.journal import ACTION_LABELS
from admin.security import current_account, login_required, role_required, visible_tickets
from admin.ticket_list import AGES, PAGE_SIZE, SORTS, STATUSES, Filters, apply_filters, count, sorted_page
from admin.ticket_view import delivery_state, marked_text, read_routing

bp = Blueprint("tickets", __name__)

#: A message longer than this shows its beginning; the rest is folded in a <details>, one click away.
FOLD_AT = 5_000


@bp.get("/tickets")
@login_required
def list_tickets():
    account = current_account()
    if account.role == "observer":
        return _counts_only()
    filters = Filters.from_args(request.args)
    session = context.db()
    statement = apply_filters(visible_tickets(select(Ticket), account), filters, session.bind.dialect.name)
    total = session.scalar(count(statement))
    tickets = session.scalars(sorted_page(statement, filters).options(
        selectinload(Ticket.organisations), selectinload(Ticket.areas))).all()
    audit_log.record("tickets.listed", query=filters.query_args(), shown=[t.reference for t in tickets])
    return render_template(
        "admin/tickets/list.html", tickets=tickets, total=total, filters=filters,
        pages=max(1, -(-total // PAGE_SIZE)), statuses=STATUSES, ages=AGES, sorts=SORTS,
        # plain rows, not ORM objects: the group menu alone was 400 objects per page (benchmarks/admin.py)
        organisations=session.execute(select(Organisation.id, Organisation.code).order_by(Organisation.code)).all(),
        areas=session.execute(select(Area.id, Area.code, Area.name).order_by(Area.code)).all(),
        groups=session.execute(select(Group.id, Group.name).order_by(Group.name)).all(),
    )


def _counts_only():
    """Observers see how many tickets there are, never what they say."""
    rows = context.db().execute(select(Ticket.status, func.count(Ticket.id)).group_by(Ticket.status)).all()
    counts = {status: number for status, number in rows}
    return render_template("admin/tickets/counts.html", counts=counts, statuses=STATUSES, total=sum(counts.values()))


def readable_ticket(reference: str) -> Ticket:
    """The ticket of this reference if the account may read it, else 404 (out of scope looks like absent)."""
    statement = visible_tickets(select(Ticket).where(Ticket.reference == reference.upper()), current_account())
    ticket = context.db().scalars(statement.options(
        selectinload(Ticket.participants), selectinload(Ticket.messages).selectinload(Message.attachments),
        selectinload(Ticket.messages).selectinload(Message.author),
    )).first()
    if ticket is None:
        abort(404)
    return ticket


@bp.get("/tickets/<reference>")
@role_required("admin", "manager")
def show_ticket(reference: str):
    ticket = readable_ticket(reference)
    session = context.db()
    audit_log.record("ticket.viewed", ticket_id=ticket.id, reference=ticket.reference)
    last_outbound = _last_outbound_by_participant(ticket)
    request_message = next((m for m in ticket.messages if m.author is not None and m.author.role != "agent"), None)
    routing = read_routing(ticket.routing)
    return render_template(
        "admin/tickets/page.html", ticket=ticket, statuses=STATUSES, routing=routing,
        request_message=request_message,
        request_text=marked_text((request_message.trimmed or request_message.text)[:FOLD_AT], routing.evidence)
        if request_message is not None else None,
        fold_at=FOLD_AT, action_labels=ACTION_LABELS,
        delivery={p.id: delivery_state(p, last_outbound.get(p.id)) for p in ticket.participants},
        events=session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == ticket.id)
                               .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(200)).all(),
        held=session.scalars(select(InboundMail).where(
            InboundMail.ticket_id == ticket.id, InboundMail.state.in_(("quarantined", "review")))
            .order_by(InboundMail.id)).all(),
        groups=session.execute(select(Group.id, Group.name).order_by(Group.name)).all(),  # rows: see list_tickets
    )


def _last_outbound_by_participant(ticket: Ticket) -> dict[int, OutboundMail]:
    newest = (select(func.max(OutboundMail.id)).where(OutboundMail.ticket_id == ticket.id)
              .group_by(OutboundMail.participant_id))
    rows = context.db().scalars(select(OutboundMail).where(OutboundMail.id.in_(newest))
                                .options(defer(OutboundMail.raw))).all()  # state only: never decompress the mails
    return {row.participant_id: row for row in rows if row.participant_id is not None}


@bp.get("/tickets/<reference>/pieces-jointes/<int:attachment_id>")
@role_required("admin", "manager")
def download_attachment(reference: str, attachment_id: int):
    """The file as an attachment of opaque type: the browser saves it, never renders it in the admin's origin."""
    ticket = readable_ticket(reference)
    attachment = context.db().scalars(select(Attachment).join(Message).where(
        Attachment.id == attachment_id, Message.ticket_id == ticket.id)).first()
    if attachment is None:
        abort(404)
    path = attachment_store.path_for(context.settings().attachments_dir, attachment.sha256)
    if not path.is_file():
        abort(404)  # wiped by the retention purge
    audit_log.record("attachment.downloaded", ticket_id=ticket.id, attachment=attachment.id, filename=attachment.filename)
    response = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                         download_name=attachment.filename or "piece-jointe", max_age=0, conditional=False, etag=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
