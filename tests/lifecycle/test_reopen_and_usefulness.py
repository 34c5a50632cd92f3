"""Closing, the usefulness answers, and replies after closing (inside and outside the window)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import uuid

import time_machine
from sqlalchemy import select

from gateway.models import AuditEvent, Ticket
from tests.lifecycle.clients import CLIENTS
from tests.support.gateway import AWA, MARIE, request_mail

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # a Monday
SOPHIE = "sophie.bernard@mairie-bapaume.example.fr"


def aidant_forward() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Sophie Bernard <{SOPHIE}>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = "TR: attestation CPAM"
    mail["Message-ID"] = "<fwd-1@mairie-bapaume.example.fr>"
    mail.set_content(
        "Bonjour, je vous transmets la demande de Mme Leroy.\n\nSophie Bernard\nConseillère France Services\n\n"
        "-------- Message transféré --------\nDe : Jeanne Leroy <jeanne.leroy@example.org>\n"
        "Date : lun. 2 mars 2026 à 08:00\nObjet : attestation CPAM\nÀ : " + SOPHIE + "\n\n"
        "Bonjour, la CAF de Marseille (13001) ne répond pas pour mon RSA.\nJeanne Leroy\n"
    )
    return mail.as_bytes()


def _close_by_awa(post):
    sent = {m.recipient: m for m in post.new()}
    post.deliver(CLIENTS["gmail"](sent[AWA], AWA, "Awa Diallo", "Dossier traité."))
    closing = next(m for m in post.to(MARIE, post.new()) if "utile" in m.text)
    return closing


def _answer(closing, address_label: str) -> EmailMessage:
    """What the person's client sends when they click one of the three links."""
    line = next(line for line in closing.text.splitlines() if line.startswith(f"- {address_label} :"))
    mail = EmailMessage()
    mail["From"] = f"Marie Durand <{MARIE}>"
    mail["To"] = line.split(" : ", 1)[1].strip()
    mail["Subject"] = "Re: " + closing.subject
    mail["Message-ID"] = f"<{address_label.replace(' ', '')}-{uuid.uuid4().hex}@example.org>"
    mail.set_content({"Oui": "Oui, cette réponse m'a été utile.", "Non": "Non, cette réponse ne m'a pas été utile.",
                      "Je ne sais pas": "Je ne sais pas encore si cette réponse m'a été utile."}[address_label])
    return mail


def test_usefulness_answered_twice_keeps_the_last_answer(post):
    with time_machine.travel(START, tick=False):
        post.deliver(request_mail())
        closing = _close_by_awa(post)
        post.deliver(_answer(closing, "Non"), to=[str(_answer(closing, "Non")["To"])])
        assert post.ticket().usefulness == "non"
    with time_machine.travel(START + timedelta(days=1), tick=False):
        post.deliver(_answer(closing, "Oui"), to=[str(_answer(closing, "Oui")["To"])])
        ticket = post.ticket()
        assert (ticket.usefulness, ticket.status) == ("oui", "closed")
        assert ticket.usefulness_at == START + timedelta(days=1)
    assert not post.new(), "an answer is recorded, not relayed nor acknowledged"
    with post.database.begin() as session:
        answers = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "ticket.usefulness")).all()
        assert len(answers) == 2


def test_a_forged_usefulness_answer_is_rejected(post):
    with time_machine.travel(START, tick=False):
        post.deliver(request_mail())
        closing = _close_by_awa(post)
        forged = _answer(closing, "Non")
        forged.replace_header("From", "Quelqu'un <intrus@example.net>")
        post.deliver(forged, to=[str(forged["To"])])
        assert post.ticket().usefulness is None


def test_a_reply_within_the_window_reopens(post):
    with time_machine.travel(START, tick=False):
        post.deliver(request_mail())
        closing = _close_by_awa(post)
    with time_machine.travel(START + timedelta(days=29), tick=False):
        post.deliver(CLIENTS["gmail"](closing, MARIE, "Marie Durand", "Rien n'a changé, toujours pas de RSA."))
        ticket = post.ticket()
        assert ticket.status == "open" and ticket.closed_at is None
        assert "Rien n'a changé" in post.to(AWA, post.new())[0].text
    with post.database.begin() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket.reopened")).first()


def test_a_reply_after_the_window_opens_a_new_linked_ticket(post):
    with time_machine.travel(START, tick=False):
        post.deliver(request_mail())
        closing = _close_by_awa(post)
        old = post.ticket()
    with time_machine.travel(START + timedelta(days=31), tick=False):
        post.deliver(CLIENTS["gmail"](closing, MARIE, "Marie Durand",
                                      "Bonjour, mon RSA de la CAF est de nouveau bloqué à Marseille."))
    with post.database.begin() as session:
        tickets = session.scalars(select(Ticket).order_by(Ticket.id)).all()
        assert len(tickets) == 2 and tickets[0].status == "closed"
        assert tickets[1].previous_ticket_id == tickets[0].id
    acknowledgement = post.to(MARIE, post.new())[0]
    assert f"Votre dossier précédent, {old.reference}, a été clos il y a trop longtemps" in acknowledgement.text


def test_an_agent_replying_long_after_closing_is_told_once(post):
    with time_machine.travel(START, tick=False):
        post.deliver(request_mail())
        sent = {m.recipient: m for m in post.new()}
        post.deliver(CLIENTS["gmail"](sent[AWA], AWA, "Awa Diallo", "#traite"))
        post.new()
    with time_machine.travel(START + timedelta(days=40), tick=False):
        post.deliver(CLIENTS["gmail"](sent[AWA], AWA, "Awa Diallo", "Un complément."))
        post.deliver(CLIENTS["gmail"](sent[AWA], AWA, "Awa Diallo", "Un autre complément."))
        mails = post.new()
    assert [m.recipient for m in mails] == [AWA]
    assert "est clos depuis plus de 30 jours" in mails[0].text
    assert post.ticket().status == "closed"
