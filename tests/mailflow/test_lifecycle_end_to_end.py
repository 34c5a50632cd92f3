"""The life of a case over real sockets: take, close, the usefulness answer, through SMTP both ways."""

from __future__ import annotations

import re
from email.message import EmailMessage

import pytest

from tests.support.gateway import AWA, MARIE, open_request, reply_to

pytestmark = pytest.mark.slow


def test_take_close_and_answer_usefulness_by_smtp(gateway):
    ticket = open_request(gateway)
    notification = gateway.sink.to(AWA)[0].message
    gateway.send(reply_to(notification, sender=AWA, name="Awa Diallo", text="Je m'en occupe."),
                 to=[str(notification["Reply-To"])])
    gateway.wait_settled()
    gateway.send(reply_to(notification, sender=AWA, name="Awa Diallo",
                          text="#traite\nVotre RSA est rétabli depuis ce matin."), to=[str(notification["Reply-To"])])
    gateway.wait_settled()
    texts = [r.message.get_body(("plain",)).get_content() for r in gateway.sink.to(MARIE)]
    assert any("s'occupe de votre demande" in t for t in texts)
    assert any("Votre RSA est rétabli" in t for t in texts)
    closing = next(t for t in texts if "Cette réponse vous a-t-elle été utile ?" in t)
    address = re.search(r"- Oui : (\S+)", closing).group(1)
    answer = EmailMessage()
    answer["From"] = f"Marie Durand <{MARIE}>"
    answer["To"] = address
    answer["Subject"] = f"Re: [A+ #{ticket.reference}] Mon RSA est bloqué"
    answer["Message-ID"] = "<useful-1@example.org>"
    answer.set_content("Oui, cette réponse m'a été utile.")
    gateway.send(answer, to=[address])  # accepted at RCPT time: the token is one of ours
    gateway.wait_settled()
    ticket = gateway.tickets()[0]
    assert (ticket.status, ticket.usefulness) == ("closed", "oui")
