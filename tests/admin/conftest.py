"""Fixtures of the admin's tests: ``app``, ``client``, ``login_as``, and a small directory with tickets.

``login_as(role, areas=(), organisations=())`` creates an account and logs the
test client in as it through a real server-side session (the same row a
password login creates); tests of the login itself use the form.
"""

from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select

from admin import create_app
from admin.passwords import hash_password
from admin.sessions import open_session
from gateway.models import Account, AccountScope, Area, Organisation

PASSWORD = "cheval agrafe batterie correcte"
_counter = itertools.count(1)


@pytest.fixture
def app(settings, database):
    application = create_app(settings, database)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app):
    return app.test_client()


def make_account(database, role: str, *, email: str | None = None, areas=(), organisations=(),
                 password: str | None = None, active: bool = True) -> Account:
    """An account (with its scopes by area code / organisation code), committed."""
    email = email or f"{role}{next(_counter)}@aplus.example.gouv.fr"
    with database.begin() as session:
        area_ids = [session.scalars(select(Area.id).where(Area.code == code)).one() for code in areas]
        organisation_ids = [session.scalars(select(Organisation.id).where(Organisation.code == code)).one()
                            for code in organisations]
        account = Account(email=email, role=role, active=active,
                          password_hash=hash_password(password) if password else "")
        account.scopes = [AccountScope(area_id=a, organisation_id=o)
                          for a in (area_ids or [None]) for o in (organisation_ids or [None])
                          if role == "manager" and (a is not None or o is not None)]
        session.add(account)
    return account


@pytest.fixture
def login_as(client, database, settings):
    """Log the test client in as a new account of ``role``; returns the account."""
    def log_in(role: str, *, areas=(), organisations=(), email: str | None = None) -> Account:
        account = make_account(database, role, email=email, areas=areas, organisations=organisations)
        with database.begin() as session:
            token = open_session(session, settings, session.get(Account, account.id), client_address="127.0.0.1",
                                 user_agent="pytest", method="password")
        with client.session_transaction() as cookie:
            cookie["sid"] = token
        return account

    return log_in


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on ``path`` (as a browser would submit it)."""
    page = client.get(path)
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page.data)
    assert found, f"no CSRF token on {path} ({page.status_code})"
    return found.group(1).decode()


@pytest.fixture
def marseille_and_paris(database, settings):
    """Two tickets: a CAF case in the Bouches-du-Rhône (13) and a CAF case in Paris (75)."""
    from tests.admin.builders import directory, open_ticket

    directory(database, settings)
    marseille = open_ticket(database, settings, "marie.durand@example.org", "RSA bloqué depuis mon déménagement",
                            "Bonjour, mon RSA est bloqué à la CAF de Marseille (13001) depuis trois mois.",
                            name="Marie Durand")
    paris = open_ticket(database, settings, "paul.leroy@example.org", "Allocation logement suspendue",
                        "Bonjour, mon APL est suspendue par la CAF de Paris (75011), je ne comprends pas pourquoi.",
                        name="Paul Leroy")
    return marseille, paris
