"""Actions on a ticket: each one a POST with CSRF, relayed by mail through the outbox, and audited."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from gateway.models import AuditEvent, Group, Message, OutboundMail, Participant, Ticket
from tests.admin.conftest import csrf_token


def _outbox(database, ticket_id, since_id=0):
    with database.begin() as session:
        return session.scalars(select(OutboundMail).where(OutboundMail.ticket_id == ticket_id, OutboundMail.id > since_id)
                               .order_by(OutboundMail.id)).all()


def _last_outbound_id(database):
    with database.begin() as session:
        return session.scalar(select(OutboundMail.id).order_by(OutboundMail.id.desc())) or 0


def _group_id(database, name):
    with database.begin() as session:
        return session.scalars(select(Group.id).where(Group.name == name)).one()


@pytest.fixture
def acting(client, login_as, marseille_and_paris):
    marseille, _ = marseille_and_paris
    account = login_as("admin")
    token = csrf_token(client, f"/tickets/{marseille.reference}")

    def post(action: str, **form):
        return client.post(f"/tickets/{marseille.reference}/{action}", data={"csrf_token": token, **form})

    post.ticket, post.account = marseille, account
    return post


def test_inviting_a_group_mails_its_agents_and_is_audited(acting, database):
    before = _last_outbound_id(database)
    answer = acting("inviter-groupe", group_id=_group_id(database, "CAF 75"))
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/tickets/{acting.ticket.reference}#participants")
    mails = _outbox(database, acting.ticket.id, before)
    assert {"jean.petit@caf75.example", "bal@caf75.example"} <= {m.recipient for m in mails}
    with database.begin() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.ticket_id == acting.ticket.id))]
        assert "ticket.group_invited" in actions and "admin.group_invited" in actions
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "admin.group_invited")).one()
        assert event.actor == f"admin:{acting.account.email}" and event.details["client_address"] == "127.0.0.1"


def test_closing_sends_the_requester_the_usefulness_question(acting, database):
    before = _last_outbound_id(database)
    assert acting("clore", note="Dossier débloqué par la CAF.").status_code == 302
    with database.begin() as session:
        assert session.get(Ticket, acting.ticket.id).status == "closed"
    to_requester = [m for m in _outbox(database, acting.ticket.id, before) if m.recipient == "marie.durand@example.org"]
    assert len(to_requester) == 1
    body = message_from_bytes(to_requester[0].raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "utile" in body
    assert acting("rouvrir").status_code == 302
    with database.begin() as session:
        assert session.get(Ticket, acting.ticket.id).status == "open"


def test_a_message_of_the_team_reaches_everyone_and_an_internal_note_only_agents(acting, database):
    before = _last_outbound_id(database)
    acting("message", text="Bonjour, nous relançons la CAF.", visibility="public")
    public = {m.recipient for m in _outbox(database, acting.ticket.id, before)}
    assert "marie.durand@example.org" in public and "awa.diallo@caf13.example" in public
    middle = _last_outbound_id(database)
    acting("message", text="Note : l'usagère a déjà relancé deux fois.", visibility="internal")
    internal = {m.recipient for m in _outbox(database, acting.ticket.id, middle)}
    assert internal and "marie.durand@example.org" not in internal
    with database.begin() as session:
        notes = session.scalars(select(Message).where(Message.ticket_id == acting.ticket.id, Message.source == "admin")).all()
        assert [(m.visibility, m.author_id) for m in notes] == [("public", None), ("internal", None)]
    assert acting("message", text="   ").status_code == 302  # empty: refused with a message, nothing sent
    assert _last_outbound_id(database) == max(m.id for m in _outbox(database, acting.ticket.id))


def test_removing_an_agent_and_rerouting(acting, database):
    with database.begin() as session:
        awa = session.scalars(select(Participant).where(Participant.ticket_id == acting.ticket.id,
                                                        Participant.email == "awa.diallo@caf13.example")).one()
        requester = session.scalars(select(Participant).where(Participant.ticket_id == acting.ticket.id,
                                                              Participant.role == "requester")).one()
    acting(f"participants/{requester.id}/retirer")
    acting(f"participants/{awa.id}/retirer", reason="pas le bon interlocuteur")
    with database.begin() as session:
        assert session.get(Participant, awa.id).removed_at is not None
        assert session.get(Participant, requester.id).removed_at is None  # the requester stays
    acting("reorienter", group_id=_group_id(database, "CPAM 13"))
    with database.begin() as session:
        agents = session.scalars(select(Participant).where(Participant.ticket_id == acting.ticket.id,
                                                           Participant.role == "agent")).all()
        active = {p.email for p in agents if p.removed_at is None}
        assert active == {"luc.martin@cpam13.example"}
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.rerouted")).one()


def test_actions_need_the_csrf_token_and_the_right_role(client, login_as, database, marseille_and_paris):
    marseille, paris = marseille_and_paris
    login_as("admin")
    refused = client.post(f"/tickets/{marseille.reference}/clore", data={})
    assert refused.status_code == 400
    with database.begin() as session:
        assert session.get(Ticket, marseille.id).status != "closed"


def test_a_manager_cannot_act_outside_their_scope(client, login_as, database, marseille_and_paris):
    marseille, paris = marseille_and_paris
    login_as("manager", areas=["13"])
    token = csrf_token(client, f"/tickets/{marseille.reference}")
    assert client.post(f"/tickets/{paris.reference}/clore", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/tickets/{marseille.reference}/clore", data={"csrf_token": token}).status_code == 302
    with database.begin() as session:
        assert session.get(Ticket, paris.id).status != "closed" and session.get(Ticket, marseille.id).status == "closed"


def test_an_attachment_is_downloaded_as_an_opaque_file(client, login_as, database, settings):
    from tests.admin.builders import directory, open_ticket

    directory(database, settings)
    ticket = open_ticket(database, settings, "a@example.org", "Pièce jointe", "Voici ma pièce, CAF de Marseille 13001.",
                         attachments=[("page.html", "text/html", b"<script>alert(1)</script>")])
    login_as("admin")
    with database.begin() as session:
        attachment_id = session.scalars(select(Message).where(Message.ticket_id == ticket.id)).first().attachments[0].id
    page = client.get(f"/tickets/{ticket.reference}").get_data(as_text=True)
    assert f"/pieces-jointes/{attachment_id}" in page
    answer = client.get(f"/tickets/{ticket.reference}/pieces-jointes/{attachment_id}")
    assert answer.status_code == 200 and answer.data == b"<script>alert(1)</script>"
    assert answer.headers["Content-Disposition"].startswith("attachment;") and "page.html" in answer.headers["Content-Disposition"]
    assert answer.mimetype == "application/octet-stream" and answer.headers["X-Content-Type-Options"] == "nosniff"
    with database.begin() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "attachment.downloaded")).one()
    assert client.get(f"/tickets/{ticket.reference}/pieces-jointes/{attachment_id + 999}").status_code == 404
