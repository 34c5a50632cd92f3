"""End to end: a request, the agents' and the person's replies, internal notes.

Everything crosses real sockets: smtplib -> the gateway's aiosmtpd server ->
spool -> processor -> outbox -> delivery worker -> an aiosmtpd sink relay.
"""

from __future__ import annotations

import re
from email.utils import parseaddr

import pytest

from gateway.addresses import verify_token
from tests.support.gateway import AWA, MARIE, open_request, reply_to, request_mail

pytestmark = pytest.mark.slow



def only(items):
    assert len(items) == 1, items
    return items[0]



def test_a_request_is_acknowledged_and_reaches_the_chosen_agents(gateway):
    ticket = open_request(gateway)
    ack = only(gateway.sink.to(MARIE)).message
    notification = only(gateway.sink.to(AWA)).message

    assert f"[A+ #{ticket.reference}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ticket.reference in ack.get_body(("plain",)).get_content()
    assert "Nous avons bien reçu votre demande" in ack.get_body(("plain",)).get_content()
    # From is always our own address; the personal Reply-To carries a valid token
    assert parseaddr(str(ack["From"]))[1] == gateway.settings.address
    reply_address = parseaddr(str(ack["Reply-To"]))[1]
    token = verify_token(gateway.settings, reply_address.split("+", 1)[1].split("@")[0])
    assert token is not None and token.ticket_id == ticket.id and token.purpose == "reply"

    body = notification.get_body(("plain",)).get_content()
    assert "Mon RSA est suspendu" in body
    assert parseaddr(str(notification["From"]))[1] == gateway.settings.address
    assert "Marie Durand" in str(notification["From"]) and "via A+" in str(notification["From"])
    assert "Auto-Submitted" not in notification
    # the agent is told how to write an internal note
    assert re.search(r"aplus\+n\d+-\d+-[0-9a-f]{16}@aplus\.localhost", body)
    with gateway.database.begin() as session:
        from gateway.models import Ticket

        stored = session.get(Ticket, ticket.id)
        roles = sorted((p.role, p.email) for p in stored.participants)
    assert ("requester", MARIE) in roles and ("agent", AWA) in roles


def test_an_agent_reply_reaches_the_person_threaded_and_trimmed(gateway):
    open_request(gateway)
    notification = only(gateway.sink.to(AWA)).message
    answer = reply_to(notification, sender=AWA, name="Awa Diallo",
                      text="Bonjour Madame, votre dossier est bien chez nous, il sera traité cette semaine.")
    gateway.send(answer, to=[parseaddr(str(notification["Reply-To"]))[1]])
    gateway.wait_settled()

    relayed = [r.message for r in gateway.sink.to(MARIE) if "Auto-Submitted" not in r.message]
    mail = only(relayed)
    assert str(mail["From"]).startswith('"Awa Diallo (CAF 13) via A+"') or "Awa Diallo (CAF 13) via A+" in str(mail["From"])
    assert parseaddr(str(mail["From"]))[1] == gateway.settings.address
    text = mail.get_body(("plain",)).get_content()
    assert "votre dossier est bien chez nous" in text
    assert "a écrit :" not in text.split("Awa Diallo (CAF 13) a écrit :", 1)[1]  # quoted history not relayed
    assert mail["In-Reply-To"] and mail["References"]
    assert mail["Subject"].startswith("Re: [A+ #")
    # the person's own Reply-To is personal too
    assert parseaddr(str(mail["Reply-To"]))[1] != parseaddr(str(notification["Reply-To"]))[1]
    ticket = only(gateway.tickets())
    assert ticket.status == "open" and ticket.first_agent_reply_at is not None


def test_the_person_replying_reaches_the_agents(gateway):
    open_request(gateway)
    ack = only(gateway.sink.to(MARIE)).message
    follow_up = reply_to(ack, sender=MARIE, name="Marie Durand", text="Je joins mon numéro allocataire : 1234567.")
    follow_up.add_attachment(b"%PDF-1.4 attestation", maintype="application", subtype="pdf", filename="attestation.pdf")
    gateway.send(follow_up, to=[parseaddr(str(ack["Reply-To"]))[1]])
    gateway.wait_settled()

    to_agent = [r.message for r in gateway.sink.to(AWA)]
    assert len(to_agent) == 2
    relayed = to_agent[1]
    assert "numéro allocataire : 1234567" in relayed.get_body(("plain",)).get_content()
    names = [part.get_filename() for part in relayed.iter_attachments()]
    assert names == ["attestation.pdf"]
    assert only(list(relayed.iter_attachments())).get_content() == b"%PDF-1.4 attestation"
    # nobody gets their own message back
    assert len(gateway.sink.to(MARIE)) == 1


def test_a_reply_without_token_threads_by_references(gateway):
    open_request(gateway)
    ack = only(gateway.sink.to(MARIE)).message
    follow_up = reply_to(ack, sender=MARIE, name="Marie Durand", text="Petite précision : je suis seule avec deux enfants.",
                         to=gateway.settings.address)
    gateway.send(follow_up)
    gateway.wait_settled()
    assert len(gateway.tickets()) == 1
    assert len(gateway.sink.to(AWA)) == 2


def test_a_reply_by_subject_tag_alone_waits_for_review_then_is_released(gateway):
    """The tag [A+ #REF] is public: it links a mail to its ticket but never relays it by itself."""
    from gateway.processing.review import release_held

    ticket = open_request(gateway)
    before = len(gateway.sink.to(AWA))
    mail = request_mail(subject=f"Re: [A+ #{ticket.reference}] Mon RSA est bloqué", text="Autre précision.")
    gateway.send(mail)
    gateway.wait_settled()
    assert len(gateway.tickets()) == 1 and len(gateway.sink.to(AWA)) == before
    held = gateway.inbound()[-1]
    assert held.state == "review" and f"[A+ #{ticket.reference}]" in held.error and b"Autre pr" in held.raw
    notice = gateway.sink.to(MARIE)[-1].message
    assert "n'a été transmis à personne" in notice.get_body(("plain",)).get_content()

    with gateway.database.begin() as session:
        outcome = release_held(session, gateway.settings, held.id, actor="admin@aplus.example")
    assert outcome.state == "done"
    gateway.outbound_bell.ring()
    gateway.wait_settled()
    assert "Autre précision." in gateway.sink.to(AWA)[-1].message.get_body(("plain",)).get_content()
    assert gateway.inbound()[-1].state == "done"


def test_an_internal_note_never_reaches_the_person(gateway):
    open_request(gateway)
    with gateway.database.begin() as session:
        from gateway.models import Group, Membership, Agent
        from sqlalchemy import select

        group = session.scalars(select(Group).where(Group.name == "CAF 13")).one()
        colleague = Agent(email="jean.petit@caf13.example", first_name="Jean", last_name="Petit")
        session.add(Membership(group=group, agent=colleague))
    # Jean is not in the ticket yet (he joined the group later); Awa writes a note:
    notification = only(gateway.sink.to(AWA)).message
    note_address = re.search(r"aplus\+n[\w-]+@aplus\.localhost", notification.get_body(("plain",)).get_content()).group(0)
    marie_count = len(gateway.sink.to(MARIE))
    note = reply_to(notification, sender=AWA, name="Awa Diallo", text="Note : le dossier est bloqué par un contrôle.")
    gateway.send(note, to=[note_address])
    gateway.wait_settled()
    assert len(gateway.sink.to(MARIE)) == marie_count
    with gateway.database.begin() as session:
        from gateway.models import Message
        from sqlalchemy import select

        stored = session.scalars(select(Message).where(Message.kind == "note")).one()
        assert stored.visibility == "internal"
        assert "contrôle" in stored.trimmed


def test_a_second_agent_gets_notes_but_the_person_does_not(database, settings, sink):
    from tests.support.gateway import GatewayHarness, add_group, gateway_settings

    settings = gateway_settings(settings, sink)
    with database.begin() as session:
        add_group(session, "CAF 13", "CAF", ["13"], [("Awa", "Diallo", AWA), ("Jean", "Petit", "jean.petit@caf13.example")])
        add_group(session, settings.default_group, None, [], [("Nina", "Roux", "nina.roux@aplus.example")], triage=True)
    gateway = GatewayHarness(database, settings, sink).start()
    try:
        open_request(gateway)
        notification = only(gateway.sink.to(AWA)).message
        note_address = re.search(r"aplus\+n[\w-]+@aplus\.localhost", notification.get_body(("plain",)).get_content()).group(0)
        gateway.send(reply_to(notification, sender=AWA, name="Awa Diallo", text="Jean, peux-tu regarder ?"), to=[note_address])
        gateway.wait_settled()
        to_jean = [r.message for r in gateway.sink.to("jean.petit@caf13.example")]
        assert len(to_jean) == 2
        note = to_jean[1]
        assert "Note interne" in note.get_body(("plain",)).get_content()
        # Jean's Reply-To for a note is his own note address: answering keeps it internal
        assert "+n" in parseaddr(str(note["Reply-To"]))[1]
        assert len(gateway.sink.to(MARIE)) == 1  # only the acknowledgement
    finally:
        gateway.stop()
