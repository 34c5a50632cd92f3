"""Logging in and out: e-mail + password, or a one-time link by mail.

Both ways end in ``_start_session``: the cookie is emptied (no session
fixation, a new CSRF secret), a server-side session is recorded, and the
browser goes where it was going (a path of this site only). Failures give
one French message that never tells whether the account exists.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, session as cookie, url_for
from sqlalchemy import func, select

from gateway.models import Account
from admin import audit_log, context, magic_links, sessions, throttle
from admin.passwords import hash_password, needs_rehash, verify_password
from admin.security import client_address, current_account, safe_next

bp = Blueprint("auth", __name__)

BAD_CREDENTIALS = "Adresse électronique ou mot de passe incorrect."
LINK_SENT = ("Si un compte actif correspond à cette adresse, un lien de connexion vient d'y être envoyé. "
             "Il est valable 30 minutes et ne sert qu'une fois.")
LINK_INVALID = "Ce lien de connexion n'est plus valable : il a déjà servi ou il a expiré. Demandez-en un nouveau."


@bp.get("/")
def home():
    if current_account() is None:
        return redirect(url_for("auth.login"))
    return redirect(url_for("tickets.list_tickets"))


@bp.route("/connexion", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_account() is not None:
            return redirect(url_for("tickets.list_tickets"))
        return render_template("admin/auth/login.html", next=safe_next(request.args.get("next")))
    email = request.form.get("email", "").strip().lower()[:320]
    password = request.form.get("password", "")
    next_path = safe_next(request.form.get("next"))
    session, address = context.db(), client_address()
    if throttle.is_limited(session, kind="password", email=email, client_address=address):
        audit_log.record("admin.login_throttled", actor=f"admin:{email}", email=email)
        return render_template("admin/auth/login.html", next=next_path, error=throttle.REFUSAL, email=email), 429
    account = _account_by_email(email)
    verified = verify_password(account.password_hash if account else "", password)  # hashes even for nobody
    if account is None or not account.active or not verified:
        throttle.record(session, kind="password", email=email, client_address=address, succeeded=False)
        audit_log.record("admin.login_failed", actor=f"admin:{email}", email=email)
        return render_template("admin/auth/login.html", next=next_path, error=BAD_CREDENTIALS, email=email), 401
    if needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    throttle.record(session, kind="password", email=email, client_address=address, succeeded=True)
    return _start_session(account, method="password", next_path=next_path)


@bp.post("/deconnexion")
def logout():
    row = g.get("admin_session")
    if row is not None:
        sessions.revoke(context.db(), row.id, by="logout")
        audit_log.record("admin.logout")
    cookie.clear()
    flash("Vous êtes déconnecté.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/connexion/lien", methods=["GET", "POST"])
def request_link():
    if request.method == "GET":
        return render_template("admin/auth/request_link.html")
    email = request.form.get("email", "").strip().lower()[:320]
    session, address = context.db(), client_address()
    if throttle.is_limited(session, kind="link", email=email, client_address=address):
        return render_template("admin/auth/request_link.html", error=throttle.REFUSAL, email=email), 429
    throttle.record(session, kind="link", email=email, client_address=address, succeeded=True)
    account = _account_by_email(email)
    if account is not None and account.active:
        magic_links.send_link(session, context.settings(), account, requested_from=address)
        audit_log.record("admin.login_link_sent", actor=f"admin:{email}")
    return render_template("admin/auth/request_link.html", sent=LINK_SENT)


@bp.get("/connexion/lien/<token>")
def link_landing(token: str):
    """Only a page with a button: opening the link (as mail scanners do) uses nothing up."""
    link = magic_links.pending_link(context.db(), token)
    if link is None:
        return render_template("admin/auth/link.html", error=LINK_INVALID), 410
    return render_template("admin/auth/link.html", token=token, email=link.account.email)


@bp.post("/connexion/lien/<token>")
def link_login(token: str):
    account = magic_links.use_link(context.db(), token)
    if account is None:
        return render_template("admin/auth/link.html", error=LINK_INVALID), 410
    return _start_session(account, method="link", next_path="")


def _account_by_email(email: str) -> Account | None:
    if not email:
        return None
    return context.db().scalars(select(Account).where(func.lower(Account.email) == email)).first()


def _start_session(account: Account, *, method: str, next_path: str):
    cookie.clear()
    cookie.permanent = True
    token = sessions.open_session(context.db(), context.settings(), account, client_address=client_address(),
                                  user_agent=request.headers.get("User-Agent", ""), method=method)
    cookie["sid"] = token
    g.account = account
    audit_log.record("admin.login", method=method)
    return redirect(next_path or url_for("tickets.list_tickets"))
