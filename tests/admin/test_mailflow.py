"""/courrier: the spool, review, outbox and bounces pages, and each action through the browser's forms."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from gateway.models import AuditEvent, InboundMail, OutboundMail, Ticket
from gateway.processing.processor import drain
from gateway.storage import spool
from tests.admin.conftest import csrf_token
from tests.admin_flow.conftest import newsletter
from tests.support.gateway import MARIE, request_mail, small_directory


@pytest.fixture
def flow(database, settings):
    """A processed request (ticket + outbox), a quarantined newsletter and a reply held for review."""
    small_directory(database, settings)
    spool.enqueue(database, request_mail().as_bytes(), rcpt_tos=[settings.address])
    quarantined = spool.enqueue(database, newsletter().as_bytes(), mail_from="lettre@newsletter.example",
                                rcpt_tos=[settings.address])
    drain(database, settings)
    with database.begin() as session:
        reference = session.scalars(select(Ticket.reference)).one()
    held_mail = request_mail(subject=f"Re: [A+ #{reference}] Mon RSA est bloqué", text="Autre précision <b>gras</b>.")
    held = spool.enqueue(database, held_mail.as_bytes(), mail_from=MARIE, rcpt_tos=[settings.address])
    drain(database, settings)
    with database.begin() as session:
        assert session.get_one(InboundMail, held).state == "review"
    return {"quarantined": quarantined, "held": held, "reference": reference}


def post(client, path: str, form_page: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, form_page), **data})


def last_event(database, action: str) -> AuditEvent:
    with database.begin() as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())).first()


def test_the_overview_counts_each_queue(client, login_as, flow):
    login_as("admin")
    html = client.get("/courrier").get_data(as_text=True)
    assert "En quarantaine</a></th><td>1</td>" in html and "Réponses à vérifier</a></th><td>1</td>" in html


def test_the_quarantine_lists_the_reason_in_french(client, login_as, flow):
    login_as("admin")
    html = client.get("/courrier/entree?etat=quarantined").get_data(as_text=True)
    assert "Courrier de masse" in html and "Les actualités du mois" in html
    assert client.get("/courrier/entree?etat=nimportequoi").status_code == 404


def test_a_mail_page_shows_envelope_headers_and_what_explain_understands(client, login_as, flow):
    login_as("admin")
    html = client.get(f"/courrier/entree/{flow['quarantined']}").get_data(as_text=True)
    assert "lettre@newsletter.example" in html and "aplus@aplus.localhost" in html  # envelope
    assert "List-Unsubscribe" in html  # headers
    assert "automatique : bulk" in html  # explain's verdict
    assert "Libérer en nouveau dossier" in html and "Écarter" in html


def test_release_from_the_page_opens_a_ticket_and_audits_the_address(client, login_as, flow, database):
    account = login_as("admin")
    path = f"/courrier/entree/{flow['quarantined']}"
    answer = post(client, f"{path}/liberer", path)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(path)
    html = client.get(path).get_data(as_text=True)
    assert re.search(r"le dossier [A-Z0-9]+ est ouvert", html)
    event = last_event(database, "spool.release")
    assert event.actor == f"admin:{account.email}" and event.details["client_address"] == "127.0.0.1"
    with database.begin() as session:
        assert session.get_one(InboundMail, flow["quarantined"]).state == "done"


def test_discard_needs_a_reason_and_keeps_it(client, login_as, flow, database):
    login_as("admin")
    path = f"/courrier/entree/{flow['quarantined']}"
    post(client, f"{path}/ecarter", path, raison="  ")
    assert "Indiquez pourquoi" in client.get(path).get_data(as_text=True)
    post(client, f"{path}/ecarter", path, raison="Publicité sans rapport")
    assert last_event(database, "spool.discard").details["reason"] == "Publicité sans rapport"
    html = client.get(path).get_data(as_text=True)
    assert "écarté" in html and "« Publicité sans rapport »" in html  # the page's history
    post(client, f"{path}/retraiter", path)
    with database.begin() as session:
        assert session.get_one(InboundMail, flow["quarantined"]).state == "queued"


def test_an_action_without_csrf_token_is_refused_and_changes_nothing(client, login_as, flow, database):
    login_as("admin")
    answer = client.post(f"/courrier/entree/{flow['quarantined']}/ecarter", data={"raison": "x"})
    assert answer.status_code == 400
    with database.begin() as session:
        assert session.get_one(InboundMail, flow["quarantined"]).state == "quarantined"


def test_a_held_reply_shows_who_claims_to_write_and_can_be_accepted(client, login_as, flow, database):
    login_as("admin")
    path = f"/courrier/entree/{flow['held']}"
    html = client.get(path).get_data(as_text=True)
    assert "Se présente comme" in html and MARIE in html and "Accepter le message" in html
    assert "Autre précision &lt;b&gt;gras&lt;/b&gt;." in html  # the text explain kept, shown inert
    post(client, f"{path}/valider", path)
    event = last_event(database, "review.released")
    assert event.details["client_address"] == "127.0.0.1" and event.actor.startswith("admin:")
    with database.begin() as session:
        assert session.get_one(InboundMail, flow["held"]).state == "done"


def test_a_held_reply_can_be_rejected_with_a_reason(client, login_as, flow, database):
    login_as("admin")
    path = f"/courrier/entree/{flow['held']}"
    post(client, f"{path}/refuser", path, raison="")
    with database.begin() as session:
        assert session.get_one(InboundMail, flow["held"]).state == "review"
    post(client, f"{path}/refuser", path, raison="Adresse usurpée")
    with database.begin() as session:
        row = session.get_one(InboundMail, flow["held"])
        assert row.state == "discarded" and "Adresse usurpée" in row.error


def test_the_outbox_lists_failed_mail_and_retries_it(client, login_as, flow, database):
    login_as("admin")
    with database.begin() as session:
        row = session.scalars(select(OutboundMail).order_by(OutboundMail.id)).first()
        row.state, row.last_error, outbound_id = "failed", "550 5.1.1 utilisateur inconnu", row.id
    html = client.get("/courrier/sortie?etat=failed").get_data(as_text=True)
    assert "550 5.1.1 utilisateur inconnu" in html and "Renvoyer maintenant" in html
    post(client, f"/courrier/sortie/{outbound_id}/renvoyer", "/courrier/sortie?etat=failed", retour="failed")
    with database.begin() as session:
        assert session.get_one(OutboundMail, outbound_id).state == "queued"
    assert last_event(database, "outbox.retry").details["client_address"] == "127.0.0.1"


def test_retrying_a_mail_never_tried_says_why(client, login_as, flow, database):
    login_as("admin")
    with database.begin() as session:
        outbound_id = session.scalars(select(OutboundMail.id).where(OutboundMail.state == "queued")).first()
    answer = post(client, f"/courrier/sortie/{outbound_id}/renvoyer", "/courrier/sortie?etat=queued", retour="queued")
    assert answer.headers["Location"].endswith("/courrier/sortie?etat=queued")
    assert "déjà en cours d&#39;envoi" in client.get("/courrier/sortie?etat=queued").get_data(as_text=True)


def test_the_bounce_page_lists_reports(client, login_as, flow, database):
    from gateway.models.bounces import record_bounce

    login_as("admin")
    with database.begin() as session:
        row = session.scalars(select(OutboundMail).where(OutboundMail.participant_id.is_not(None))).first()
        record_bounce(session, inbound_id=None, outbound_id=row.id, participant_id=row.participant_id,
                      ticket_id=row.ticket_id, recipient=row.recipient, status="5.1.1", action="failed", permanent=True)
    html = client.get("/courrier/rebonds").get_data(as_text=True)
    assert "5.1.1" in html and row.recipient in html and "définitif" in html and flow["reference"] in html
