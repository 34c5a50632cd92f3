"""Every bad input gets a clear answer, and no mail is lost or relayed by mistake."""

from __future__ import annotations

import smtplib
from email.policy import SMTP
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from gateway.storage.db import Database
from gateway.models import InboundMail, Message, Ticket
from tests.support.gateway import AWA, MARIE, open_request, reply_to, request_mail

pytestmark = pytest.mark.slow




def personal_address(mail) -> str:
    return parseaddr(str(mail["Reply-To"]))[1]


def test_an_unknown_recipient_is_refused_at_rcpt(gateway):
    with gateway.client() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail(MARIE, ["quelquun@aplus.localhost"], request_mail().as_bytes())
    code, answer = refused.value.recipients["quelquun@aplus.localhost"]
    assert code == 550 and answer.startswith(b"5.1.1")
    with gateway.client() as client, pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail(MARIE, ["aplus@autre-domaine.example"], request_mail().as_bytes())
    assert gateway.inbound() == []


def test_an_unreadable_path_is_a_syntax_error_and_the_session_goes_on(gateway):
    with gateway.client() as client:
        client.ehlo()
        code, answer = client.docmd("MAIL", 'FROM:"')  # the standard library's parser crashes on this one
        assert (code, answer) == (553, b"5.1.3 Error: malformed address"), answer
        code, _ = client.docmd("RCPT", 'TO:"')
        assert code == 503  # no MAIL yet: nothing was taken for a sender
        client.rset()
        client.sendmail(MARIE, ["aplus@aplus.localhost"], request_mail().as_bytes())  # the same session still works
    assert len(gateway.inbound()) == 1


def test_a_forged_token_is_refused_at_rcpt(gateway):
    ticket = open_request(gateway)
    real = personal_address(gateway.sink.to(MARIE)[0].message)
    forged = real[:-len("@aplus.localhost") - 1] + ("0" if real[-len("@aplus.localhost") - 1] != "0" else "1") + "@aplus.localhost"
    with gateway.client() as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail(MARIE, [forged], request_mail(subject="x").as_bytes())
    assert refused.value.recipients[forged][0] == 550
    assert len(gateway.inbound()) == 1  # only the original request
    assert len(gateway.tickets()) == 1 and gateway.tickets()[0].id == ticket.id


def test_a_valid_token_with_a_strangers_from_is_quarantined_and_not_relayed(gateway):
    open_request(gateway)
    notification = gateway.sink.to(AWA)[0].message
    before = len(gateway.sink.received)
    spoof = reply_to(notification, sender="escroc@pirate.example", name="Awa Diallo", text="Envoyez-moi votre RIB.")
    gateway.send(spoof, to=[personal_address(notification)])
    gateway.wait_settled()
    assert len(gateway.sink.received) == before
    rejected = gateway.inbound()[-1]
    assert rejected.state == "quarantined"
    assert "escroc@pirate.example" in rejected.error and "n'est pas le participant" in rejected.error
    assert rejected.raw == spoof.as_bytes() or b"Envoyez-moi votre RIB" in rejected.raw  # kept whole
    with gateway.database.begin() as session:
        assert session.scalars(select(Message).where(Message.text.contains("RIB"))).first() is None


def test_an_oversize_mail_gets_552_with_the_limit(database, settings, sink):
    from tests.support.gateway import GatewayHarness, gateway_settings

    limit = 100_000
    gateway = GatewayHarness(database, gateway_settings(settings, sink, max_message_bytes=limit), sink).start()
    try:
        big = request_mail(text=("y" * 70 + "\n") * (limit // 70 + 10)).as_bytes(policy=SMTP)
        with gateway.client() as client:
            client.ehlo()
            assert int(client.esmtp_features["size"]) == limit
            # announced with SIZE: refused at MAIL FROM
            code, answer = client.mail(MARIE, [f"SIZE={len(big)}"])
            assert code == 552 and answer.startswith(b"5.3.4") and str(limit).encode() in answer
            client.rset()
            # not announced: refused at the end of DATA
            assert client.mail(MARIE)[0] == 250
            assert client.rcpt(gateway.settings.address)[0] == 250
            code, answer = client.data(big)
            assert code == 552 and answer.startswith(b"5.3.4") and str(limit).encode() in answer
        assert gateway.inbound() == []
    finally:
        gateway.stop()


def test_database_down_answers_451_then_the_retry_is_accepted_once(gateway, tmp_path):
    real = gateway.controller.handler.database
    down = Database.connect(
        f"sqlite:///{tmp_path}/no/such/folder/aplus.db" if real.engine.dialect.name == "sqlite"
        else "postgresql+psycopg://postgres@127.0.0.1:1/test"
    )
    gateway.controller.handler.database = down
    mail = request_mail()
    with gateway.client() as client, pytest.raises(smtplib.SMTPDataError) as refused:
        client.sendmail(MARIE, [gateway.settings.address], mail.as_bytes())
    assert refused.value.smtp_code == 451 and refused.value.smtp_error.startswith(b"4.3.0")
    # the sending server keeps the mail and retries once the database is back
    gateway.controller.handler.database = real
    gateway.send(mail)
    gateway.wait_settled()
    assert len(gateway.tickets()) == 1 and len(gateway.inbound()) == 1
    down.dispose()


def test_the_same_mail_delivered_twice_makes_one_ticket(gateway):
    mail = request_mail()
    gateway.send(mail)
    gateway.send(mail)
    gateway.wait_settled()
    assert len(gateway.tickets()) == 1
    states = sorted((row.state, row.outcome.startswith("duplicate")) for row in gateway.inbound())
    assert states == [("done", False), ("done", True)]
    assert len(gateway.sink.to(MARIE)) == 1


def test_a_sender_opening_too_many_tickets_is_quarantined(gateway):
    limit = gateway.settings.sender_hourly_limit
    for number in range(limit + 1):
        gateway.send(request_mail(subject=f"Demande {number}", text=f"Ma demande CAF numéro {number} à Marseille 13001."))
    gateway.wait_settled(timeout=60)
    assert len(gateway.tickets()) == limit
    quarantined = [row for row in gateway.inbound() if row.state == "quarantined"]
    assert len(quarantined) == 1 and "Trop de nouvelles demandes" in quarantined[0].error


def test_malformed_mime_is_stored_and_handled_without_crashing(gateway):
    raw = (b"From: Jean <jean@example.org>\r\nTo: aplus@aplus.localhost\r\nSubject: =?utf-8?q?Aide_CAF_=C3=A9?=\r\n"
           b"Content-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n--wrong\r\nContent-Type: text/plain; charset=klingon\r\n\r\n"
           b"Bonjour, ma CAF \xe9 Marseille bloque mon APL.\r\n")
    with gateway.client() as client:
        client.sendmail("jean@example.org", [gateway.settings.address], raw)
    gateway.wait_settled()
    row = gateway.inbound()[0]
    assert row.raw.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert row.state == "done"
    ticket = gateway.tickets()[0]
    assert "Aide CAF" in ticket.subject
    with gateway.database.begin() as session:
        message = session.scalars(select(Message).where(Message.ticket_id == ticket.id)).first()
        assert "APL" in message.text


def test_a_mail_without_from_uses_the_envelope_sender_or_is_quarantined(gateway):
    raw = b"To: aplus@aplus.localhost\r\nSubject: RSA bloque\r\n\r\nBonjour, mon RSA est bloque a la CAF de Marseille (13001).\r\n"
    with gateway.client() as client:
        client.sendmail("Marie@Example.org", [gateway.settings.address], raw)
        client.sendmail("", [gateway.settings.address], raw.replace(b"RSA bloque", b"APL bloquee"))
    gateway.wait_settled()
    with_envelope, without = gateway.inbound()
    assert with_envelope.state == "done" and len(gateway.sink.to("marie@example.org")) == 1
    assert without.state == "quarantined" and "sans expéditeur" in without.error
