"""Role x route x expected status, for every route of the admin (see tests/admin/matrix.py)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from admin.sessions import open_session
from gateway.models import Account, Group, Message, Participant
from tests.admin.builders import directory, open_ticket
from tests.admin.conftest import make_account
from tests.admin.matrix import ROLES, ROUTES, UNCHECKED_RULES

SCOPES = {"manager": {"areas": ["13"], "organisations": ["CAF"]}, "manager_out": {"areas": ["75"]}}


def _client_as(app, database, settings, role):
    client = app.test_client()
    if role == "anonymous":
        return client
    kind = "manager" if role.startswith("manager") else role
    account = make_account(database, kind, **SCOPES.get(role, {}))
    with database.begin() as session:
        token = open_session(session, settings, session.get(Account, account.id), client_address="127.0.0.1",
                             user_agent="pytest", method="password")
    with client.session_transaction() as cookie:
        cookie["sid"] = token
    return client


def _token(client):
    page = client.get("/connexion/lien")
    return re.search(rb'name="csrf_token" value="([^"]+)"', page.data).group(1).decode()


@pytest.fixture
def places(database, settings):
    directory(database, settings)
    ticket = open_ticket(database, settings, "marie.durand@example.org", "RSA bloqué",
                         "Mon RSA est bloqué à la CAF de Marseille (13001).",
                         attachments=[("avis.pdf", "application/pdf", b"%PDF-1.4 avis")])
    bystander = make_account(database, "observer", email="temoin@example.fr")
    with database.begin() as session:
        attachment = session.scalars(select(Message).where(Message.ticket_id == ticket.id)).first().attachments[0]
        agent = session.scalars(select(Participant).where(Participant.ticket_id == ticket.id,
                                                          Participant.email == "awa.diallo@caf13.example")).one()
        group = session.scalars(select(Group.id).where(Group.name == "CPAM 13")).one()
        session_id = None
        token = open_session(session, settings, session.get(Account, bystander.id), client_address="10.0.0.1",
                             user_agent="x", method="password")
    with database.begin() as session:
        from gateway.models import AdminSession
        from admin.sessions import token_hash

        session_id = session.scalars(select(AdminSession.id).where(AdminSession.token_hash == token_hash(token))).one()
    return {"ref": ticket.reference, "attachment": attachment.id, "participant": agent.id, "group": group,
            "session": session_id, "bystander": bystander.id}


def test_every_route_answers_each_role_as_the_matrix_says(app, database, settings, places):
    clients = {role: _client_as(app, database, settings, role) for role in ROLES}
    tokens = {role: _token(client) for role, client in clients.items()}
    mismatches = []
    for route in ROUTES:
        path = route.path.format(**places)
        for role in ROLES:
            client = clients[role]
            if route.method == "GET":
                answer = client.get(path)
            else:
                form = {key: value.format(role=role, **places) for key, value in route.form.items()}
                answer = client.post(path, data={"csrf_token": tokens[role], **form})
            if answer.status_code != route.status_for(role):
                mismatches.append(f"{route.method} {path} as {role}: {answer.status_code}, expected {route.status_for(role)}")
    assert not mismatches, "\n".join(mismatches)


def test_every_route_of_the_app_is_in_the_matrix(app):
    covered = {(route.method, route.rule or route.path.split("?")[0]) for route in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.rule in UNCHECKED_RULES:
            continue
        pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if not any(m == method and (r == rule.rule or _same(r, pattern)) for m, r in covered):
                missing.append(f"{method} {rule.rule}")
    assert not missing, "routes without a row in tests/admin/matrix.py: " + ", ".join(sorted(missing))


def _same(path: str, pattern: str) -> bool:
    """"/tickets/{ref}/clore" covers "/tickets/{reference}/clore": same shape, placeholders anywhere."""
    normalise = lambda value: re.sub(r"\{\w+\}", "{}", value)  # noqa: E731
    return normalise(path) == normalise(pattern)


def test_every_form_is_refused_without_its_csrf_token(app, database, settings, places):
    from gateway.models import AuditEvent, OutboundMail

    admin = _client_as(app, database, settings, "admin")
    with database.begin() as session:
        before = (session.query(AuditEvent).count(), session.query(OutboundMail).count())
    for route in (r for r in ROUTES if r.method == "POST"):
        path = route.path.format(**places)
        form = {key: value.format(role="admin", **places) for key, value in route.form.items()}
        answer = admin.post(path, data=form)
        assert answer.status_code == 400, f"POST {path} without a CSRF token: {answer.status_code}"
        assert "jeton de sécurité" in answer.get_data(as_text=True)
    with database.begin() as session:
        assert (session.query(AuditEvent).count(), session.query(OutboundMail).count()) == before
    assert admin.get("/tickets").status_code == 200  # still logged in: the logout form was refused too
