"""Accounts and their live sessions, for the national team: see who is logged in, revoke a session."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from gateway.models import Account, AdminSession, Area, Organisation
from admin import audit_log, context, sessions
from admin.security import current_account, role_required

bp = Blueprint("accounts", __name__)


@bp.get("/comptes")
@role_required("admin")
def list_accounts():
    accounts = context.db().scalars(select(Account).options(selectinload(Account.scopes)).order_by(Account.email)).all()
    live = sessions.live_sessions(context.db())
    by_account: dict[int, list[AdminSession]] = {}
    for row in live:
        by_account.setdefault(row.account_id, []).append(row)
    current = current_account()
    return render_template("admin/accounts/list.html", accounts=accounts, sessions_by_account=by_account,
                           current_session_id=_current_session_id(), me=current, scope_labels=_scope_labels(accounts))


def _scope_labels(accounts: list[Account]) -> dict[int, str]:
    """ "13 x CAF", "13 x tout organisme" for each manager's scope row."""
    areas = {a.id: a.code for a in context.db().scalars(select(Area))}
    organisations = {o.id: o.code for o in context.db().scalars(select(Organisation))}
    return {
        scope.id: f"{areas.get(scope.area_id, 'tout département')} x {organisations.get(scope.organisation_id, 'tout organisme')}"
        for account in accounts for scope in account.scopes
    }


@bp.post("/comptes/sessions/<int:session_id>/revoquer")
@role_required("admin")
def revoke_session(session_id: int):
    row = context.db().get(AdminSession, session_id)
    if row is None:
        abort(404)
    if sessions.revoke(context.db(), session_id, by=current_account().email):
        audit_log.record("admin.session_revoked", session_id=session_id, account=row.account.email)
        flash(f"La session de {row.account.email} est révoquée : elle ne donne plus accès à rien.", "success")
    else:
        flash("Cette session était déjà terminée.", "info")
    return redirect(url_for("accounts.list_accounts"))


@bp.post("/comptes/<int:account_id>/desactiver")
@role_required("admin")
def deactivate(account_id: int):
    """An account that leaves: it cannot log in any more and its sessions end now."""
    account = _account(account_id)
    if account.id == current_account().id:
        flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
        return redirect(url_for("accounts.list_accounts"))
    account.active = False
    ended = sessions.revoke_all(context.db(), account.id, by=current_account().email)
    audit_log.record("admin.account_deactivated", account=account.email, sessions_revoked=ended)
    flash(f"Le compte {account.email} est désactivé ; {ended} session(s) révoquée(s).", "success")
    return redirect(url_for("accounts.list_accounts"))


@bp.post("/comptes/<int:account_id>/reactiver")
@role_required("admin")
def reactivate(account_id: int):
    account = _account(account_id)
    account.active = True
    audit_log.record("admin.account_reactivated", account=account.email)
    flash(f"Le compte {account.email} est réactivé.", "success")
    return redirect(url_for("accounts.list_accounts"))


def _account(account_id: int) -> Account:
    account = context.db().get(Account, account_id)
    if account is None:
        abort(404)
    return account


def _current_session_id() -> int | None:
    from flask import g

    row = g.get("admin_session")
    return row.id if row is not None else None
