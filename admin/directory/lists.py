"""Reading the directory: lists with search and filters, one group's and one agent's page, the export."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from admin import audit_log, context
from admin.directory import bp
from admin.directory.scope import visible_agents, visible_groups
from admin.security import current_account, role_required
from gateway.models import Agent, Area, Group, Membership, Organisation
from gateway.models.directory import group_areas
from routing.directory.csv_file import export_directory

PAGE_SIZE = 50
READERS = ("admin", "manager")


def _page() -> int:
    return max(1, request.args.get("page", 1, type=int) or 1)


def _like(column, words: str):
    return func.lower(column).contains(words.lower(), autoescape=True)


@bp.get("")
@role_required(*READERS)
def groups():
    words = (request.args.get("q") or "").strip()[:200]
    organisation = request.args.get("organisme", type=int)
    area = request.args.get("territoire", type=int)
    show_inactive = request.args.get("inactifs") == "1"
    statement = visible_groups(select(Group), current_account())
    if words:
        statement = statement.where(or_(_like(Group.name, words), _like(func.coalesce(Group.mailbox, ""), words)))
    if organisation:
        statement = statement.where(Group.organisation_id == organisation)
    if area:
        statement = statement.where(Group.id.in_(select(group_areas.c.group_id).where(group_areas.c.area_id == area)))
    if not show_inactive:
        statement = statement.where(Group.active.is_(True))
    session = context.db()
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = session.scalars(statement.options(
        selectinload(Group.organisation), selectinload(Group.areas),
        selectinload(Group.memberships).selectinload(Membership.agent),
    ).order_by(Group.name).limit(PAGE_SIZE).offset((_page() - 1) * PAGE_SIZE)).all()
    return render_template(
        "admin/directory/groups.html", groups=rows, total=total, page=_page(), pages=max(1, -(-total // PAGE_SIZE)),
        words=words, organisation=organisation, area=area, show_inactive=show_inactive,
        organisations=session.scalars(select(Organisation).order_by(Organisation.code)).all(),
        areas=session.scalars(select(Area).order_by(Area.code)).all(),
        query={k: v for k, v in {"q": words, "organisme": organisation or "", "territoire": area or "",
                                 "inactifs": "1" if show_inactive else ""}.items() if v},
    )


@bp.get("/groupes/<int:group_id>")
@role_required(*READERS)
def group_page(group_id: int):
    session = context.db()
    group = session.scalars(visible_groups(select(Group).where(Group.id == group_id), current_account()).options(
        selectinload(Group.areas), selectinload(Group.memberships).selectinload(Membership.agent))).first()
    if group is None:
        abort(404)
    members = sorted((m.agent for m in group.memberships), key=lambda a: (not a.active, a.last_name, a.first_name))
    return render_template("admin/directory/group.html", group=group, members=members,
                           organisations=session.scalars(select(Organisation).order_by(Organisation.code)).all(),
                           area_codes=", ".join(sorted(a.code for a in group.areas)))


@bp.get("/agents")
@role_required(*READERS)
def agents():
    words = (request.args.get("q") or "").strip()[:200]
    show_inactive = request.args.get("inactifs") == "1"
    statement = visible_agents(select(Agent), current_account())
    if words:
        statement = statement.where(or_(_like(Agent.email, words), _like(Agent.first_name, words),
                                        _like(Agent.last_name, words)))
    if not show_inactive:
        statement = statement.where(Agent.active.is_(True))
    session = context.db()
    total = session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = session.scalars(statement.options(selectinload(Agent.memberships).selectinload(Membership.group))
                           .order_by(Agent.last_name, Agent.first_name, Agent.email)
                           .limit(PAGE_SIZE).offset((_page() - 1) * PAGE_SIZE)).all()
    return render_template("admin/directory/agents.html", agents=rows, total=total, page=_page(),
                           pages=max(1, -(-total // PAGE_SIZE)), words=words, show_inactive=show_inactive,
                           query={k: v for k, v in {"q": words, "inactifs": "1" if show_inactive else ""}.items() if v})


@bp.get("/agents/<int:agent_id>")
@role_required(*READERS)
def agent_page(agent_id: int):
    agent = context.db().scalars(visible_agents(select(Agent).where(Agent.id == agent_id), current_account()).options(
        selectinload(Agent.memberships).selectinload(Membership.group))).first()
    if agent is None:
        abort(404)
    return render_template("admin/directory/agent.html", agent=agent)


@bp.get("/organismes")
@role_required(*READERS)
def organisations():
    session = context.db()
    counts = dict(session.execute(select(Group.organisation_id, func.count()).group_by(Group.organisation_id)).all())
    rows = session.scalars(select(Organisation).order_by(Organisation.code)).all()
    return render_template("admin/directory/organisations.html", organisations=rows, counts=counts)


@bp.get("/territoires")
@role_required(*READERS)
def areas():
    session = context.db()
    counts = dict(session.execute(select(group_areas.c.area_id, func.count()).group_by(group_areas.c.area_id)).all())
    rows = session.scalars(select(Area).order_by(Area.code)).all()
    return render_template("admin/directory/areas.html", areas=rows, counts=counts)


@bp.get("/export.csv")
@role_required("admin")
def export():
    audit_log.record("directory.exported")
    return Response("\ufeff" + export_directory(context.db()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="annuaire-aplus.csv"'})
