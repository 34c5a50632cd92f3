"""Out-of-office replies from agents: shown on the ticket, and a group entirely away is signalled once."""

from __future__ import annotations

from email.message import EmailMessage

from sqlalchemy import select

from gateway.models import AuditEvent, Membership, Ticket
from tests.support.gateway import AWA, add_group, request_mail

CHLOE = "chloe.resp@aplus13.example"
LEA = "lea.petit@cpam75.example"


def out_of_office(notification, sender: str, name: str) -> EmailMessage:
    """Outlook's automatic reply, as Exchange sends it to the Reply-To of the mail."""
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = notification.reply_to
    mail["Subject"] = "Réponse automatique : " + notification.subject
    mail["Message-ID"] = f"<ooo-{sender}-{notification.dedup_key}@exchange.example>"
    mail["In-Reply-To"] = str(notification.mail["Message-ID"])
    mail["Auto-Submitted"] = "auto-replied"
    mail["X-Auto-Response-Suppress"] = "All"
    mail["X-MS-Exchange-Inbox-Rules-Loop"] = sender
    mail.set_content("Bonjour,\n\nJe suis absente jusqu'au 15 décembre inclus, sans accès à ma messagerie.\n"
                     f"Pour toute urgence : accueil@{sender.split('@')[1]}\n\n{name}\n")
    return mail


def test_an_agent_away_is_shown_and_a_group_all_away_brings_the_area_manager_once(post):
    with post.database.begin() as session:
        group = add_group(session, "Responsables 13", None, ["13"], [("Chloé", "Resp", CHLOE)])
        session.scalars(select(Membership).where(Membership.group_id == group.id)).one().role = "manager"
    post.deliver(request_mail(text="Bonjour, mon RSA est bloqué à la CAF d'Aubagne (13400).\nMarie"))
    sent = {m.recipient: m for m in post.new()}
    assert AWA in sent and "paul.chef@caf13.example" in sent
    # Awa is away; Paul (CAF 13 encadrement) is another group: CAF 13 itself has nobody left.
    post.deliver(out_of_office(sent[AWA], AWA, "Awa Diallo"))
    post.deliver(_again(sent[AWA]))  # a second automatic reply: no second signal
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        awa = next(p for p in ticket.participants if p.email == AWA)
        assert awa.away_at is not None
        assert any(m.kind == "auto_reply" and m.visibility == "internal" for m in ticket.messages)
        assert any("Tous les agents de CAF 13" in m.text for m in ticket.messages if m.kind == "system")
        assert ticket.status == "new"
        actions = [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        assert actions.count("group.away") == 1 and actions.count("participant.away") == 2
    mails = post.new()
    assert [m.recipient for m in mails if m.recipient == CHLOE] == [CHLOE]
    assert "Marie Durand" not in [m.recipient for m in mails] and not post.to("marie.durand@example.org", mails)


def _again(notification):
    mail = out_of_office(notification, AWA, "Awa Diallo")
    mail.replace_header("Message-ID", "<ooo-second@exchange.example>")
    return mail


def test_the_shared_mailbox_is_told_when_its_agents_are_away(post):
    post.deliver(request_mail(text="Bonjour, ma CPAM de Paris (75011) ne rembourse plus mes soins.\nMarie"))
    sent = {m.recipient: m for m in post.new()}
    assert LEA in sent and "bal@cpam75.example" in sent
    post.deliver(out_of_office(sent[LEA], LEA, "Léa Petit"))
    told = post.to("bal@cpam75.example", post.new())
    assert len(told) == 1 and "Tous les agents de CPAM 75 sur ce dossier sont absents" in told[0].text
