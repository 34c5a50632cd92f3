"""Statistics (``/statistiques``): counts and delays, for admins, managers and observers alike.

Nothing here shows a ticket's content: only numbers, computed by SQL
aggregates (``gateway.reporting.statistics``). Each chart is an SVG drawn on
the server (``admin.charts``) followed by its table; each table can be
downloaded as CSV with the same filters.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from admin import context
from admin.charts import Series, bar_chart, column_chart
from admin.security import role_required
from gateway.models import Area, Organisation
from gateway.reporting import tables
from gateway.reporting.statistics import Filters, compute

bp = Blueprint("statistics", __name__)

MAX_DAYS = 3 * 366
ROLES = ("admin", "manager", "observer")


def read_filters(args) -> tuple[Filters, list[str]]:
    """The filters of the query string, or the last 26 weeks; French messages for what was wrong."""
    default = Filters.last_weeks(26)
    errors: list[str] = []
    start, end = default.start, default.end
    try:
        if args.get("du"):
            start = date.fromisoformat(args["du"])
        if args.get("au"):
            end = date.fromisoformat(args["au"])
    except ValueError:
        errors.append("Date illisible : écrivez-la au format AAAA-MM-JJ. La période par défaut est affichée.")
        start, end = default.start, default.end
    if start > end:
        errors.append("La date de début est après la date de fin : elles ont été inversées.")
        start, end = end, start
    if (end - start).days > MAX_DAYS:
        errors.append("La période est limitée à trois ans : elle a été raccourcie.")
        start = end - timedelta(days=MAX_DAYS)
    organisation = (args.get("organisme") or "").strip()[:40] or None
    area = (args.get("territoire") or "").strip()[:3] or None
    return Filters(start, end, organisation, area), errors


def _query_args(filters: Filters) -> dict[str, str]:
    values = {"du": filters.start.isoformat(), "au": filters.end.isoformat()}
    if filters.organisation:
        values["organisme"] = filters.organisation
    if filters.area:
        values["territoire"] = filters.area
    return values


@bp.get("/statistiques")
@role_required(*ROLES)
def page():
    filters, errors = read_filters(request.args)
    session = context.db()
    stats = compute(session, filters, late_after=context.settings().late_business_days)
    choices = {
        "organisations": session.execute(select(Organisation.code, Organisation.name).order_by(Organisation.code)).all(),
        "areas": session.execute(select(Area.code, Area.name).order_by(Area.code)).all(),
    }
    views = {name: make(stats) for name, make in tables.BY_NAME.items()}
    return render_template("admin/statistics/page.html", stats=stats, filters=filters, errors=errors, choices=choices,
                           tables=views, charts=_charts(stats), query=_query_args(filters), percent=tables.percent)


@bp.get("/statistiques/<name>.csv")
@role_required(*ROLES)
def export(name: str):
    make = tables.BY_NAME.get(name)
    if make is None:
        abort(404)
    filters, _ = read_filters(request.args)
    stats = compute(context.db(), filters, late_after=context.settings().late_business_days)
    filename = f"aplus-{name}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    return Response(tables.to_csv(make(stats)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _charts(stats) -> dict:
    weeks = [w.monday.strftime("%d/%m") for w in stats.weeks]
    organisations = stats.organisations[:15]
    areas = stats.areas[:20]
    usefulness = tables.usefulness(stats)
    return {
        "semaines": column_chart(
            "graphique-semaines", "Dossiers ouverts et clos par semaine",
            f"De la semaine du {weeks[0] if weeks else ''} à celle du {weeks[-1] if weeks else ''} ; "
            "les chiffres sont dans le tableau qui suit.",
            weeks, [Series("Ouverts", [w.opened for w in stats.weeks]), Series("Clos", [w.closed for w in stats.weeks])],
        ),
        "delais": column_chart(
            "graphique-delais", "Délais en jours ouvrés",
            "Nombre de dossiers par tranche de délai, pour la première réponse d'un agent et pour la clôture ; "
            "les chiffres sont dans le tableau qui suit.",
            [label for label, _ in stats.first_reply.buckets],
            [Series("Première réponse", [n for _, n in stats.first_reply.buckets]),
             Series("Clôture", [n for _, n in stats.closing.buckets])], max_labels=10,
        ),
        "organismes": bar_chart(
            "graphique-organismes", "Dossiers par organisme", "Nombre de dossiers de la période pour chaque organisme.",
            [row.code for row in organisations], [row.tickets for row in organisations],
        ),
        "territoires": bar_chart(
            "graphique-territoires", "Dossiers par territoire", "Nombre de dossiers des 20 départements les plus concernés.",
            [f"{row.code} {row.name}" for row in areas], [row.tickets for row in areas],
        ),
        "utilite": bar_chart(
            "graphique-utilite", "A+ vous a-t-il été utile ?", "Réponses des demandeurs à la clôture de leur dossier.",
            [row[0] for row in usefulness.rows], [row[1] for row in usefulness.rows],
        ),
    }
