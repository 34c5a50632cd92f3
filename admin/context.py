"""What a request of the admin works with: the settings, and one unit of work on the database.

A request opens ``database.begin()`` the first time it calls ``db()`` and
ends it after its view: committed once the response is ready (redirects and
error pages included), so a failing commit is still a 500 to the browser;
rolled back when the view raised. Views call ``db()``; nothing keeps a
session between requests, and the settings and database hang on the app
(``app.extensions``), never in a module global.
"""

from __future__ import annotations

import hashlib
import hmac
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from gateway.config import Settings
from gateway.storage.db import Database

EXTENSION = "aplus_admin"


@dataclass(frozen=True)
class AdminContext:
    settings: Settings
    database: Database


def flask_config(settings: Settings) -> dict:
    """Flask's configuration derived from the gateway's settings (cookie flags among them)."""
    return {
        "SECRET_KEY": derived_key(settings, "admin-cookie"),
        "SESSION_COOKIE_NAME": "aplus_admin",
        "SESSION_COOKIE_SECURE": settings.admin_secure_cookies,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=settings.admin_session_hours),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the login; a stale form is still refused at logout
        "WTF_CSRF_SSL_STRICT": False,  # the Origin/Referer check is done by SameSite and the token itself
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "TEMPLATES_AUTO_RELOAD": False,
    }


def derived_key(settings: Settings, purpose: str) -> str:
    """A key for one purpose, derived from the gateway's secret (reply tokens use another)."""
    return hmac.new(settings.secret, purpose.encode(), hashlib.sha256).hexdigest()


def init_app(app: Flask, settings: Settings, database: Database) -> None:
    app.extensions[EXTENSION] = AdminContext(settings, database)
    app.after_request(_commit_unit_of_work)
    app.teardown_request(_close_unit_of_work)


def settings() -> Settings:
    return current_app.extensions[EXTENSION].settings


def database() -> Database:
    return current_app.extensions[EXTENSION].database


def db() -> Session:
    """The request's session (opened before the view runs)."""
    if "aplus_db" not in g:
        _open_unit_of_work()
    return g.aplus_db


def _open_unit_of_work() -> None:
    if "aplus_db" in g:
        return
    stack = ExitStack()
    g.aplus_db = stack.enter_context(database().begin())
    g.aplus_db_stack = stack


def _commit_unit_of_work(response):
    stack: ExitStack | None = g.pop("aplus_db_stack", None)
    g.pop("aplus_db", None)
    if stack is not None:
        stack.close()  # commits
    return response


def _close_unit_of_work(error: BaseException | None) -> None:
    """After an unhandled error (no response made): roll the unit of work back."""
    stack: ExitStack | None = g.pop("aplus_db_stack", None)
    g.pop("aplus_db", None)
    if stack is not None:
        failure = error or RuntimeError("request ended without a response")
        stack.__exit__(type(failure), failure, failure.__traceback__)
