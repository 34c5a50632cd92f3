"""Who is asking, what they may see, and the headers every answer carries.

* ``current_account()`` is read from the server-side session (``admin.sessions``)
  before each view; ``login_required`` and ``role_required(*roles)`` guard views.
* ``visible_tickets(statement, account)`` adds the account's scope to a
  ``select`` over ``tickets`` in SQL: admins see every ticket, managers the
  tickets of their areas x organisations (through the relational scopes
  ``ticket_areas`` / ``ticket_organisations``), observers none (they get
  counts from their own queries). Views never filter in Python or templates.
* Security headers are set by hand rather than with Flask-Talisman (last
  released in 2023): a dozen fixed lines, among them a CSP that allows no
  inline script, no inline style attribute and no foreign origin.
"""

from __future__ import annotations

from functools import wraps
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, abort, g, redirect, request, session as cookie, url_for
from sqlalchemy import Select, and_, column, false, or_, select, table

from gateway.models import Account, Ticket
from admin import context, sessions

#: Endpoints that never look an account up (and so never touch the database before their view): the probes
#: of ``admin.health``, which must answer when the database is down.
UNAUTHENTICATED_ENDPOINTS = ("health.healthz", "health.metrics")

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",  # magic-link tokens and ticket references never leak to other sites
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


def init_app(app: Flask) -> None:
    app.before_request(_load_account)
    app.after_request(_add_security_headers)


def _load_account() -> None:
    g.account = None
    g.admin_session = None
    if request.endpoint in (None, "static", "assets.dsfr", "assets.admin_static", *UNAUTHENTICATED_ENDPOINTS):
        return
    if not cookie.get("sid"):
        return  # a stranger: no unit of work opened (SQLite's write turn stays free)
    row = sessions.load_session(context.db(), cookie.get("sid"))
    if row is None:
        if "sid" in cookie:
            cookie.pop("sid")
        return
    g.admin_session = row
    g.account = row.account


def _add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if context.settings().admin_secure_cookies and request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if request.endpoint not in ("assets.dsfr", "assets.admin_static"):
        response.headers.setdefault("Cache-Control", "no-store")  # pages hold personal data
    return response


def current_account() -> Account | None:
    return g.get("account")


def client_address() -> str:
    """The browser's address (through ``admin_proxies`` trusted proxies, see ``create_app``)."""
    return (request.remote_addr or "")[:100]


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def guarded(*args, **kwargs):
        if current_account() is None:
            return redirect(url_for("auth.login", next=safe_next(request.full_path)))
        return view(*args, **kwargs)

    return guarded


def role_required(*roles: str) -> Callable:
    """Logged in, with one of ``roles``; anyone else gets 403 (a stranger the login page)."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            account = current_account()
            if account is None:
                return redirect(url_for("auth.login", next=safe_next(request.full_path)))
            if account.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return login_required(guarded)

    return decorate


def safe_next(target: str | None) -> str:
    """Only a path of this site may follow a login (no open redirect to another host)."""
    if not target:
        return ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return ""
    return target.rstrip("?")


# -- scope ------------------------------------------------------------------

# The relational scopes of a ticket (gateway/models/scopes.py), by table name:
# the admin needs two columns of each and nothing of their ORM classes.
TICKET_AREAS = table("ticket_areas", column("ticket_id"), column("area_id"))
TICKET_ORGANISATIONS = table("ticket_organisations", column("ticket_id"), column("organisation_id"))


def visible_tickets(statement: Select, account: Account | None) -> Select:
    """Restrict a select over ``tickets`` to what ``account`` may read."""
    if account is None or not account.active:
        return statement.where(false())
    if account.role == "admin":
        return statement
    if account.role != "manager":
        return statement.where(false())
    return statement.where(manager_scope(account))


def manager_scope(account: Account):
    """The SQL condition "this ticket is in one of the manager's (area, organisation) pairs"."""
    areas, organisations = TICKET_AREAS, TICKET_ORGANISATIONS
    conditions = []
    for scope in account.scopes:  # IN (subquery), not EXISTS: see admin/ticket_list.py
        parts = []
        if scope.area_id is not None:
            parts.append(Ticket.id.in_(select(areas.c.ticket_id).where(areas.c.area_id == scope.area_id)))
        if scope.organisation_id is not None:
            parts.append(Ticket.id.in_(select(organisations.c.ticket_id).where(
                organisations.c.organisation_id == scope.organisation_id)))
        if parts:
            conditions.append(and_(*parts))
    return or_(*conditions) if conditions else false()


def can_read_ticket(account: Account | None, ticket_id: int) -> bool:
    statement = visible_tickets(select(Ticket.id).where(Ticket.id == ticket_id), account)
    return context.db().scalar(statement) is not None
