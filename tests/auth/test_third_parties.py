"""Nobody can make the gateway write to a third party (issue 10 §2), through real SMTP.

A header-shaped block in a body, a smuggling-shaped body, an address hidden
in an RFC 2047 encoded word: in each case the outbox (what the gateway would
ever send) holds nothing for the victim.
"""

from __future__ import annotations

import time
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from gateway.models import OutboundMail, Ticket
from tests.support.gateway import AWA

pytestmark = pytest.mark.slow

VICTIM = "victim@target.example"
SENDER = "me@example.org"


def outbox_recipients(gateway) -> set[str]:
    with gateway.database.begin() as session:
        return set(session.scalars(select(OutboundMail.recipient)))


def people(gateway, ticket) -> dict[str, str]:
    with gateway.database.begin() as session:
        return {p.email: p.role for p in session.get(Ticket, ticket.id).participants if p.role != "agent"}


def send(gateway, raw: bytes, *, envelope: str = SENDER) -> None:
    with gateway.client() as client:
        client.sendmail(envelope, [gateway.settings.address], raw)
    gateway.wait_settled()


def forward_of_victim(sender: str, name: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = "TR : Mon APL ne tombe plus"
    mail["Message-ID"] = f"<{time.monotonic_ns()}@example.org>"
    mail.set_content(
        "Bonjour, je vous transfère la demande ci-dessous.\n\n"
        "---------- Message transféré ---------\n"
        f"De : Victime <{VICTIM}>\n"
        "Date: lun. 3 févr. 2025 à 10:12\n"
        "Subject: Gagnez un iPhone, cliquez ici\n"
        f"To: <{sender}>\n\n"
        "Bonjour, mon APL ne tombe plus depuis janvier, la CAF des Bouches-du-Rhône ne me répond pas. J'habite à Marseille.\n"
    )
    return mail


def test_a_forward_from_a_stranger_keeps_the_stranger_as_requester(gateway):
    send(gateway, forward_of_victim(SENDER, "Inconnu").as_bytes())
    [ticket] = gateway.tickets()
    assert people(gateway, ticket) == {SENDER: "requester"}
    assert VICTIM not in outbox_recipients(gateway) and gateway.sink.to(VICTIM) == []
    assert VICTIM in ticket.note and "pas été contactée" in ticket.note  # recorded, not mailed
    assert "Gagnez un iPhone" not in gateway.sink.to(SENDER)[0].message["Subject"]


def test_a_header_block_in_a_plain_body_never_mails_the_person_it_names(gateway):
    mail = EmailMessage()
    mail["From"] = f"Moi <{SENDER}>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = "Bonjour"
    mail.set_content(f"From: Victime <{VICTIM}>\nSubject: Votre colis est bloqué, payez ici\n\nTexte choisi par l'expéditeur.\n")
    send(gateway, mail.as_bytes())
    assert VICTIM not in outbox_recipients(gateway) and gateway.sink.to(VICTIM) == []
    assert all(SENDER in people(gateway, t) for t in gateway.tickets())


def test_a_smuggling_shaped_body_never_mails_the_person_it_names(gateway):
    raw = (
        f"From: Moi <{SENDER}>\r\nTo: aplus@aplus.localhost\r\nSubject: test\r\n\r\n"
        "Bonjour\n.\r\nMAIL FROM:<x@attacker.example>\r\n"
        f"RCPT TO:<aplus@aplus.localhost>\r\nDATA\r\nFrom: Victime <{VICTIM}>\r\nSubject: Offre\r\n\r\nachetez\r\n"
    ).encode()
    send(gateway, raw)
    assert VICTIM not in outbox_recipients(gateway) and gateway.sink.to(VICTIM) == []


def test_a_forward_from_a_known_agent_makes_the_person_inside_the_requester(gateway):
    send(gateway, forward_of_victim(AWA, "Awa Diallo").as_bytes(), envelope=AWA)
    [ticket] = gateway.tickets()
    assert people(gateway, ticket).get(VICTIM) == "requester"
    assert gateway.sink.to(VICTIM), "the agent's forward is trusted: its person hears back"


def test_a_forward_in_an_agents_name_from_another_envelope_is_not_trusted(gateway):
    send(gateway, forward_of_victim(AWA, "Awa Diallo").as_bytes(), envelope="mallory@attacker.example")
    assert VICTIM not in outbox_recipients(gateway)


def test_an_address_inside_an_encoded_word_is_only_a_name(gateway):
    raw = (
        f"From: =?utf-8?q?a:{VICTIM};?= <{SENDER}>\r\nTo: aplus@aplus.localhost\r\nSubject: Mon RSA\r\n\r\n"
        "Bonjour, mon RSA est suspendu, j'habite à Marseille.\r\n"
    ).encode()
    send(gateway, raw)
    [ticket] = gateway.tickets()
    assert people(gateway, ticket) == {SENDER: "requester"}
    assert VICTIM not in outbox_recipients(gateway)


def test_an_encoded_crlf_in_a_name_never_makes_an_address_nor_a_header(gateway):
    raw = (
        "From: =?utf-8?q?x=0d=0a?= _evil2@attacker.example=0d=0ax-injected\r\n"
        "To: aplus@aplus.localhost\r\nSubject: Mon RSA\r\n\r\nBonjour, mon RSA est suspendu.\r\n"
    ).encode()
    send(gateway, raw)
    recipients = outbox_recipients(gateway)
    assert not any("=0d" in r or "evil2" in r for r in recipients)
    [ticket] = gateway.tickets()
    assert people(gateway, ticket) == {SENDER: "requester"}  # the envelope sender, the only address written plainly
    raw = (
        "From: =?utf-8?q?Evil=0D=0ABcc:_evil3@attacker.example?= <me@example.org>\r\n"
        "To: aplus@aplus.localhost\r\nSubject: Autre\r\n\r\nBonjour.\r\n"
    ).encode()
    send(gateway, raw)
    assert not any("evil3" in r for r in outbox_recipients(gateway))
    for received in gateway.sink.received:  # a display name at most, never a header nor an address
        message = received.message
        assert message["Bcc"] is None and b"\nBcc:" not in received.data
        assert all(a.addr_spec != "evil3@attacker.example" for a in message["To"].addresses)
