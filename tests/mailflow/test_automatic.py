"""Mail no person wrote is never relayed nor answered, but what it says is kept."""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.models import Message, Participant, Ticket
from tests.support.gateway import AWA, MARIE, open_request, request_mail

pytestmark = pytest.mark.slow




def dsn_for(received, *, status="5.1.1", action="failed") -> bytes:
    """A standard RFC 3464 report, as Postfix writes it, to the VERP return path."""
    original = received.message
    recipient = received.rcpt_tos[0]
    raw = (
        f"From: MAILER-DAEMON@mx.caf13.example\r\nTo: {received.mail_from}\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n"
        f"Message-ID: <{time.monotonic_ns()}@mx.caf13.example>\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\r\n\r\n'
        f"--BOUNDARY\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        f"--BOUNDARY\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Reporting-MTA: dns; mx.caf13.example\r\n\r\nFinal-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n\r\n"
        f"--BOUNDARY\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original['Message-ID']}\r\nSubject: {original['Subject']}\r\n\r\n--BOUNDARY--\r\n"
    )
    return raw.encode()


def test_a_bounce_marks_the_participant_and_shows_on_the_ticket(gateway):
    ticket = open_request(gateway)
    to_awa = gateway.sink.to(AWA)[0]
    assert "+bounce-" in to_awa.mail_from  # VERP return path
    before = len(gateway.sink.received)
    with gateway.client() as client:
        client.sendmail("", [to_awa.mail_from], dsn_for(to_awa))
    gateway.wait_settled()
    assert len(gateway.sink.received) == before  # never answered, never relayed
    with gateway.database.begin() as session:
        awa = session.scalars(select(Participant).where(Participant.email == AWA)).one()
        assert awa.bouncing and "5.1.1" in awa.bounce_detail
        notice = session.scalars(select(Message).where(Message.kind == "bounce")).one()
        assert notice.ticket_id == ticket.id and notice.visibility == "internal"
        assert AWA in notice.text
    assert gateway.inbound()[-1].state == "done"


def test_a_delayed_dsn_changes_nothing(gateway):
    open_request(gateway)
    to_awa = gateway.sink.to(AWA)[0]
    with gateway.client() as client:
        client.sendmail("", [to_awa.mail_from], dsn_for(to_awa, status="4.4.1", action="delayed"))
    gateway.wait_settled()
    with gateway.database.begin() as session:
        assert not session.scalars(select(Participant).where(Participant.email == AWA)).one().bouncing


def test_an_out_of_office_is_logged_without_relay_or_state_change(gateway):
    ticket = open_request(gateway)
    notification = gateway.sink.to(AWA)[0].message
    before = len(gateway.sink.received)
    ooo = EmailMessage()
    ooo["From"] = f"Awa Diallo <{AWA}>"
    ooo["To"] = str(notification["Reply-To"])
    ooo["Subject"] = "Réponse automatique : " + str(notification["Subject"])
    ooo["Auto-Submitted"] = "auto-replied"
    ooo["In-Reply-To"] = str(notification["Message-ID"])
    ooo["Message-ID"] = f"<{time.monotonic_ns()}@caf13.example>"
    ooo.set_content("Je suis absente jusqu'au 12 janvier. En cas d'urgence, contactez le standard.")
    gateway.send(ooo, to=[str(notification["Reply-To"]).strip("<>").split("<")[-1].rstrip(">")])
    gateway.wait_settled()
    assert len(gateway.sink.received) == before
    with gateway.database.begin() as session:
        stored = session.get(Ticket, ticket.id)
        assert stored.status == "new" and stored.first_agent_reply_at is None
        logged = session.scalars(select(Message).where(Message.kind == "auto_reply")).one()
        assert logged.visibility == "internal" and "absente" in logged.text


def test_our_own_mail_coming_back_stops_there(gateway):
    open_request(gateway)
    ack = gateway.sink.to(MARIE)[0]
    before = len(gateway.sink.received)
    with gateway.client() as client:  # e.g. a participant's server forwarding our mail back to us
        client.sendmail(gateway.settings.address, [gateway.settings.address], ack.data)
    gateway.wait_settled()
    assert len(gateway.sink.received) == before
    assert len(gateway.tickets()) == 1
    assert gateway.inbound()[-1].outcome.startswith("our own mail came back")


def test_a_newsletter_is_quarantined_not_answered(gateway):
    mail = request_mail(sender="lettre@newsletter.example", subject="Les actualités du mois")
    mail["List-Unsubscribe"] = "<mailto:unsubscribe@newsletter.example>"
    mail["Precedence"] = "bulk"
    gateway.send(mail)
    gateway.wait_settled()
    assert gateway.tickets() == [] and gateway.sink.received == []
    row = gateway.inbound()[0]
    assert row.state == "quarantined" and "masse" in row.error


def test_a_forwarded_case_makes_the_original_sender_the_requester(gateway):
    forward = EmailMessage()
    forward["From"] = "Sophie Bernard (France Services Aubagne) <sophie.bernard@franceservices.example>"
    forward["To"] = gateway.settings.address
    forward["Subject"] = "TR : Mon APL ne tombe plus"
    forward["Message-ID"] = f"<{time.monotonic_ns()}@franceservices.example>"
    forward.set_content(
        "Bonjour, je vous transfère la demande de M. Karim Haddad que j'ai reçu ce matin à l'espace France Services.\n\n"
        "Sophie Bernard\nFrance Services Aubagne - 13400\n\n"
        "---------- Message transféré ---------\n"
        "De : Karim Haddad <karim.haddad@example.net>\n"
        "Date: lun. 3 févr. 2025 à 10:12\n"
        "Subject: Mon APL ne tombe plus\n"
        "To: <sophie.bernard@franceservices.example>\n\n"
        "Bonjour, mon APL ne tombe plus depuis janvier, la CAF des Bouches-du-Rhône ne me répond pas. J'habite à Marseille.\n"
    )
    gateway.send(forward)
    gateway.wait_settled()
    ticket = gateway.tickets()[0]
    with gateway.database.begin() as session:
        roles = {p.role: p.email for p in session.get(Ticket, ticket.id).participants if p.role != "agent"}
    assert roles == {"requester": "karim.haddad@example.net", "aidant": "sophie.bernard@franceservices.example"}
    ack_to_karim = gateway.sink.to("karim.haddad@example.net")[0].message.get_body(("plain",)).get_content()
    assert "nous a transmis votre demande" in ack_to_karim
    agent_mail = gateway.sink.to(AWA)[0].message.get_body(("plain",)).get_content()
    assert "mon APL ne tombe plus" in agent_mail and "Transmise par" in agent_mail
