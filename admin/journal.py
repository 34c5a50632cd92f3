"""The audit log (``/journal``): every change and every view of a ticket's content, newest first.

For the national team. Filters by actor (part of the name or address), by
kind of action (its family, "spool", "ticket"...), by ticket reference and by
date; pages of 50. The filters are SQL on indexed columns where they can be
(``at``, ``ticket_id``); the actor is a substring search.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, render_template, request
from sqlalchemy import Select, func, select

from admin import context
from admin.security import role_required
from gateway.models import AuditEvent, Ticket

bp = Blueprint("journal", __name__)

PAGE_SIZE = 50
ACTION_LABELS = {
    "ticket.opened": "dossier ouvert", "ticket.viewed": "dossier consulté", "ticket.closed": "dossier clos",
    "ticket.reopened": "dossier rouvert", "ticket.taken": "dossier pris en charge", "ticket.rerouted": "dossier réorienté",
    "ticket.group_invited": "groupe invité", "ticket.agent_invited": "agent invité", "ticket.usefulness": "avis d'utilité",
    "participant.removed": "participant retiré", "message.added": "message ajouté",
    "attachment.downloaded": "pièce jointe téléchargée",
    "mail.bounce": "rebond", "mail.loop": "boucle de courriel", "mail.rejected": "message refusé",
    "mail.held": "message retenu pour vérification", "mail.auto_reply": "réponse automatique",
    "spool.reprocess": "message retraité", "spool.release": "message libéré en dossier", "spool.discard": "message écarté",
    "review.released": "message vérifié accepté", "review.rejected": "message vérifié refusé",
    "outbox.retry": "envoi relancé",
    "directory.updated": "annuaire modifié", "directory.deactivated": "annuaire : désactivation",
    "directory.reactivated": "annuaire : réactivation", "directory.imported": "annuaire importé",
    "admin.login": "connexion", "admin.login_failed": "connexion refusée", "admin.login_throttled": "connexion freinée",
    "admin.login_link_sent": "lien de connexion envoyé", "admin.logout": "déconnexion",
    "admin.session_revoked": "session révoquée", "admin.account_created": "compte créé",
}
FAMILIES = {
    "ticket": "Dossiers", "participant": "Participants", "message": "Messages", "attachment": "Pièces jointes",
    "mail": "Courrier traité", "spool": "File d'entrée", "review": "Vérifications", "outbox": "File de sortie",
    "directory": "Annuaire", "admin": "Connexions et comptes",
}


@dataclass
class JournalFilters:
    actor: str = ""
    family: str = ""
    reference: str = ""
    start: date | None = None
    end: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args) -> tuple["JournalFilters", list[str]]:
        errors = []
        filters = cls(actor=(args.get("acteur") or "").strip()[:320],
                      family=args.get("action", "") if args.get("action", "") in FAMILIES else "",
                      reference=(args.get("dossier") or "").strip().upper()[:20],
                      page=max(1, args.get("page", 1, type=int) or 1))
        for name in ("du", "au"):
            if args.get(name):
                try:
                    setattr(filters, "start" if name == "du" else "end", date.fromisoformat(args[name]))
                except ValueError:
                    errors.append(f"Date « {args[name]} » illisible : écrivez-la au format AAAA-MM-JJ.")
        return filters, errors

    def query_args(self) -> dict[str, str]:
        values = {"acteur": self.actor, "action": self.family, "dossier": self.reference,
                  "du": self.start.isoformat() if self.start else "", "au": self.end.isoformat() if self.end else ""}
        return {key: value for key, value in values.items() if value}


def filtered(statement: Select, filters: JournalFilters) -> Select:
    if filters.actor:
        statement = statement.where(func.lower(AuditEvent.actor).contains(filters.actor.lower(), autoescape=True))
    if filters.family:
        statement = statement.where(AuditEvent.action.startswith(filters.family + ".", autoescape=True))
    if filters.reference:
        statement = statement.where(AuditEvent.ticket_id.in_(select(Ticket.id).where(Ticket.reference == filters.reference)))
    if filters.start:
        statement = statement.where(AuditEvent.at >= datetime.combine(filters.start, time.min, timezone.utc))
    if filters.end:
        statement = statement.where(AuditEvent.at < datetime.combine(filters.end + timedelta(days=1), time.min, timezone.utc))
    return statement


@bp.get("/journal")
@role_required("admin")
def journal():
    filters, errors = JournalFilters.from_args(request.args)
    session = context.db()
    total = session.scalar(filtered(select(func.count(AuditEvent.id)), filters))
    rows = session.execute(
        filtered(select(AuditEvent, Ticket.reference).outerjoin(Ticket, Ticket.id == AuditEvent.ticket_id), filters)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(PAGE_SIZE).offset((filters.page - 1) * PAGE_SIZE)
    ).all()
    return render_template("admin/journal/list.html", rows=rows, total=total, filters=filters, errors=errors,
                           families=FAMILIES, labels=ACTION_LABELS, page=filters.page,
                           pages=max(1, -(-total // PAGE_SIZE)), query=filters.query_args())
