"""Changing the directory by hand: edit, deactivate, reactivate; admins only, each change audited.

A form that does not validate changes nothing and says why in French (a
flash message on the item's page). The audit detail lists each changed
field with its value before and after.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from sqlalchemy import select

from admin import audit_log, context
from admin.directory import bp
from admin.security import role_required
from gateway.models import Agent, Area, Group, Organisation
from routing.directory.names import TerritoryReader
from routing.directory.plan import bare_address, valid_address

KINDS = {  # URL word -> (model, label, page endpoint)
    "groupes": (Group, "le groupe", "directory.group_page"),
    "agents": (Agent, "l'agent", "directory.agent_page"),
    "organismes": (Organisation, "l'organisme", "directory.organisations"),
    "territoires": (Area, "le territoire", "directory.areas"),
}


class Invalid(Exception):
    """A field of the form is wrong; the message is French."""


def _item(kind: str, item_id: int):
    if kind not in KINDS:
        abort(404)
    row = context.db().get(KINDS[kind][0], item_id)
    if row is None:
        abort(404)
    return row


def _back(kind: str, row):
    endpoint = KINDS[kind][2]
    if kind == "groupes":
        return redirect(url_for(endpoint, group_id=row.id))
    if kind == "agents":
        return redirect(url_for(endpoint, agent_id=row.id))
    return redirect(url_for(endpoint) + f"#{kind}-{row.id}")


def _name(row) -> str:
    return getattr(row, "name", None) or getattr(row, "email", "") or str(row.id)


@bp.post("/<kind>/<int:item_id>/desactiver")
@role_required("admin")
def deactivate(kind: str, item_id: int):
    return _switch(kind, item_id, False)


@bp.post("/<kind>/<int:item_id>/reactiver")
@role_required("admin")
def reactivate(kind: str, item_id: int):
    return _switch(kind, item_id, True)


def _switch(kind: str, item_id: int, active: bool):
    row = _item(kind, item_id)
    label = KINDS[kind][1]
    if row.active == active:
        flash(f"Rien à faire : {label} « {_name(row)} » est déjà {'actif' if active else 'désactivé'}.", "info")
        return _back(kind, row)
    row.active = active
    audit_log.record("directory.reactivated" if active else "directory.deactivated", kind=kind, id=row.id,
                     name=_name(row))
    if active:
        flash(f"{label.capitalize()} « {_name(row)} » est réactivé : le routage le reprend en compte.", "success")
    else:
        flash(f"{label.capitalize()} « {_name(row)} » est désactivé : le routage ne le choisit plus. "
              "Rien n'est effacé ; il peut être réactivé.", "success")
    return _back(kind, row)


@bp.post("/<kind>/<int:item_id>")
@role_required("admin")
def edit(kind: str, item_id: int):
    row = _item(kind, item_id)
    try:
        changes = EDITORS[kind](row, request.form)
    except Invalid as problem:
        flash(f"Rien n'a été modifié : {problem}", "error")
        return _back(kind, row)
    if not changes:
        flash("Rien n'a changé.", "info")
        return _back(kind, row)
    audit_log.record("directory.updated", kind=kind, id=row.id, name=_name(row), changes=changes)
    flash(f"{KINDS[kind][1].capitalize()} « {_name(row)} » est modifié ({', '.join(changes)}).", "success")
    return _back(kind, row)


def _text(form, key: str, label: str, *, limit: int, required: bool = False) -> str:
    value = " ".join((form.get(key) or "").split())
    if required and not value:
        raise Invalid(f"{label} est obligatoire.")
    if len(value) > limit:
        raise Invalid(f"{label} fait plus de {limit} caractères.")
    return value


def _apply(row, values: dict) -> dict[str, list]:
    """Set the values that differ; the changes as {field: [before, after]} for the audit."""
    changes = {}
    for key, value in values.items():
        before = getattr(row, key)
        if before != value:
            changes[key] = [before, value]
            setattr(row, key, value)
    return changes


def edit_group(group: Group, form) -> dict[str, list]:
    session = context.db()
    name = _text(form, "name", "Le nom du groupe", limit=200, required=True)
    if name != group.name and session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise Invalid(f"un autre groupe s'appelle déjà « {name} ».")
    mailbox_cell = bare_address(form.get("mailbox") or "")
    mailbox = valid_address(mailbox_cell) if mailbox_cell else None
    if mailbox_cell and mailbox is None:
        raise Invalid(f"l'adresse de boîte aux lettres (BAL) « {mailbox_cell} » est invalide.")
    organisation_code = (form.get("organisation") or "").strip()
    organisation = None
    if organisation_code:
        organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code))
        if organisation is None:
            raise Invalid(f"organisme inconnu « {organisation_code} ».")
    territory = TerritoryReader.load().read(form.get("areas") or "")
    if territory.unknown:
        raise Invalid("territoire inconnu : " + ", ".join(f"« {piece} »" for piece in territory.unknown) + ".")
    national = territory.national or form.get("is_national") == "1"
    triage = form.get("is_triage") == "1"
    if organisation is None and not triage:
        raise Invalid("un groupe qui n'est pas de triage a besoin d'un organisme.")
    changes = _apply(group, {"name": name, "mailbox": mailbox, "is_national": national, "is_triage": triage})
    if group.organisation_id != (organisation.id if organisation else None):
        changes["organisation"] = [group.organisation.code if group.organisation else None, organisation_code or None]
        group.organisation = organisation
    codes = sorted(set(territory.codes))
    if sorted(a.code for a in group.areas) != codes:
        changes["areas"] = [sorted(a.code for a in group.areas), codes]
        group.areas = [_area(code) for code in codes]
    return changes


def _area(code: str) -> Area:
    session = context.db()
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None:
        area = Area(code=code, name=TerritoryReader.load().name(code))
        session.add(area)
    return area


def edit_agent(agent: Agent, form) -> dict[str, list]:
    raw = bare_address(form.get("email") or "")
    email = valid_address(raw)
    if email is None:
        raise Invalid(f"l'adresse e-mail « {raw} » est invalide.")
    if email != agent.email and context.db().scalar(select(Agent.id).where(Agent.email == email)) is not None:
        raise Invalid(f"un autre agent a déjà l'adresse {email}.")
    return _apply(agent, {
        "first_name": _text(form, "first_name", "Le prénom", limit=100),
        "last_name": _text(form, "last_name", "Le nom", limit=100),
        "email": email,
    })


def edit_organisation(organisation: Organisation, form) -> dict[str, list]:
    aliases = "\n".join(line.strip() for line in (form.get("aliases") or "").splitlines() if line.strip())
    if len(aliases) > 2000:
        raise Invalid("les autres noms font plus de 2 000 caractères.")
    return _apply(organisation, {"name": _text(form, "name", "Le nom", limit=200, required=True), "aliases": aliases})


def edit_area(area: Area, form) -> dict[str, list]:
    return _apply(area, {"name": _text(form, "name", "Le nom", limit=100, required=True)})


EDITORS = {"groupes": edit_group, "agents": edit_agent, "organismes": edit_organisation, "territoires": edit_area}
