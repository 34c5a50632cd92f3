"""The forged-reply matrix (issue 10 §3), through real SMTP, processor and relay.

Marie (example.org) asked for help; Awa (caf13.example) is the CAF agent.
Each case sends one reply and checks its outcome: relayed to the others,
held "à vérifier" (nothing relayed, the raw mail kept, Marie told once at her
own address), or a new ticket. docs/reliability.md ("Forged replies") lists
the same cases.
"""

from __future__ import annotations

from email import policy
from email.utils import parseaddr

import pytest

from gateway.understand import read_mail
from tests.support.gateway import AWA, MARIE, open_request, reply_to, request_mail

pytestmark = pytest.mark.slow

ATTACKER = "mallory@attacker.example"
TEXT = "Voici le justificatif demandé, merci de débloquer mon dossier."


def personal_address(received) -> str:
    return parseaddr(str(received["Reply-To"]))[1]


def wire(mail) -> bytes:
    return mail.as_bytes(policy=policy.SMTP)


def send_raw(gateway, raw: bytes, *, envelope: str, to: str) -> None:
    with gateway.client() as client:
        client.sendmail(envelope, [to], raw)
    gateway.wait_settled()


def human_mail_to(gateway, address: str) -> list:
    return [r.message for r in gateway.sink.to(address) if "Auto-Submitted" not in r.message]


def notices_to(gateway, address: str) -> list:
    return [r.message for r in gateway.sink.to(address)
            if "n'a été transmis à personne" in r.message.get_body(("plain",)).get_content()]


@pytest.fixture
def opened(gateway):
    """The standard request, acknowledged to Marie and announced to Awa."""
    ticket = open_request(gateway)
    ack = gateway.sink.to(MARIE)[0].message
    notification = gateway.sink.to(AWA)[0].message
    return ticket, ack, notification


def assert_held(gateway, *, text_in_raw: str = TEXT, speaker: str = MARIE, others: tuple[str, ...] = (AWA,),
                relayed_before: dict[str, int]) -> object:
    row = gateway.inbound()[-1]
    assert row.state == "review", (row.state, row.outcome, row.error)
    assert row.error and "vérifiez" in row.error.lower()  # a French reason the reviewer can act on
    assert text_in_raw in read_mail(row.raw).text  # nothing lost: the raw mail is kept
    assert row.claimed_sender == speaker
    for other in others:  # nothing relayed
        assert len(human_mail_to(gateway, other)) == relayed_before[other]
    return row


def test_reply_to_marie_token_sent_by_someone_else_is_held(gateway, opened):
    _, ack, _ = opened
    forged = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT)
    send_raw(gateway, wire(forged), envelope=ATTACKER, to=personal_address(ack))
    row = assert_held(gateway, relayed_before={AWA: 1})
    assert ATTACKER in row.error and row.auth_verdict.startswith("none")
    assert len(notices_to(gateway, MARIE)) == 1 and notices_to(gateway, ATTACKER) == []


def test_reply_to_the_agent_token_with_the_agent_from_is_held(gateway, opened):
    _, ack, notification = opened
    forged = reply_to(notification, sender=AWA, name="Awa Diallo", text=TEXT)
    send_raw(gateway, wire(forged), envelope=ATTACKER, to=personal_address(notification))
    assert_held(gateway, speaker=AWA, others=(MARIE,), relayed_before={MARIE: 0})
    assert len(notices_to(gateway, AWA)) == 1


def test_subject_tag_alone_is_held_even_from_the_right_envelope(gateway, opened):
    ticket, _, _ = opened
    mail = request_mail(subject=f"Re: [A+ #{ticket.reference}] Mon RSA est bloqué", text=TEXT)
    send_raw(gateway, wire(mail), envelope=MARIE, to=gateway.settings.address)
    row = assert_held(gateway, relayed_before={AWA: 1})
    assert f"[A+ #{ticket.reference}]" in row.error and len(gateway.tickets()) == 1


def test_in_reply_to_built_from_the_public_reference_is_held(gateway, opened):
    ticket, _, _ = opened
    mail = request_mail(subject="Re: mon dossier", text=TEXT)
    guessed = f"<{ticket.reference}@{gateway.settings.domain}>"
    root = f"<ticket.{ticket.reference.lower()}@{gateway.settings.domain}>"
    mail["In-Reply-To"] = root
    mail["References"] = f"{guessed} {root}"
    send_raw(gateway, wire(mail), envelope=MARIE, to=gateway.settings.address)
    row = assert_held(gateway, relayed_before={AWA: 1})
    assert "In-Reply-To" in row.error and len(gateway.tickets()) == 1


def test_a_message_id_with_a_forged_hmac_is_held(gateway, opened):
    _, ack, notification = opened
    mail = request_mail(subject="Re: mon dossier", text=TEXT)
    real = str(notification["Message-ID"])  # Awa's copy: Marie's participant id with a made-up HMAC
    base, _, _ = real[1:-1].rpartition(".p")
    mail["In-Reply-To"] = f"<{base}.p1.0123456789abcdef@{gateway.settings.domain}>"
    send_raw(gateway, wire(mail), envelope=MARIE, to=gateway.settings.address)
    row = assert_held(gateway, relayed_before={AWA: 1})
    assert len(gateway.tickets()) == 1 and "In-Reply-To" in row.error


def test_the_message_id_we_sent_marie_threads_her_reply_without_the_token(gateway, opened):
    _, ack, _ = opened
    follow_up = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT, to=gateway.settings.address)
    send_raw(gateway, wire(follow_up), envelope=MARIE, to=gateway.settings.address)
    assert gateway.inbound()[-1].state == "done" and len(gateway.tickets()) == 1
    assert TEXT in human_mail_to(gateway, AWA)[-1].get_body(("plain",)).get_content()


def test_dkim_pass_aligned_is_relayed_whatever_the_envelope(gateway, opened, dns, signer_for):
    _, ack, _ = opened
    dns.txt("_dmarc.example.org", "v=DMARC1; p=reject")
    signer = signer_for("mail.example.org")  # a subdomain: relaxed alignment with example.org
    reply = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT)
    send_raw(gateway, signer.sign(wire(reply)), envelope="bounces-123@esp.example", to=personal_address(ack))
    row = gateway.inbound()[-1]
    assert row.state == "done" and row.auth_verdict.startswith("pass"), (row.state, row.error, row.auth_verdict)
    assert TEXT in human_mail_to(gateway, AWA)[-1].get_body(("plain",)).get_content()


def test_dkim_fail_is_held(gateway, opened, dns, signer_for):
    _, ack, _ = opened
    dns.txt("_dmarc.example.org", "v=DMARC1; p=quarantine")
    signer = signer_for("example.org")
    reply = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT)
    signed = signer.sign(wire(reply))
    tampered = signed.replace(b"Voici", b"VOICI") if b"Voici" in signed else signed + b"\r\nP.S. ajout\r\n"
    send_raw(gateway, tampered, envelope=MARIE, to=personal_address(ack))
    row = assert_held(gateway, text_in_raw="justificatif", relayed_before={AWA: 1})
    assert row.auth_verdict.startswith("fail") and "dkim=fail" in row.auth_verdict
    assert "ne confirme pas" in row.error


def test_spf_pass_aligned_is_relayed_with_a_bounce_envelope(gateway, opened, dns):
    _, ack, _ = opened
    dns.txt("_dmarc.example.org", "v=DMARC1; p=reject")
    dns.txt("example.org", "v=spf1 ip4:127.0.0.1 -all")
    reply = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT)
    send_raw(gateway, wire(reply), envelope="bounce+marie=example.org@example.org", to=personal_address(ack))
    row = gateway.inbound()[-1]
    assert row.state == "done" and "spf=pass" in row.auth_verdict, (row.state, row.error, row.auth_verdict)
    assert TEXT in human_mail_to(gateway, AWA)[-1].get_body(("plain",)).get_content()


def test_spf_fail_under_dmarc_is_held_even_with_the_envelope_equal(gateway, opened, dns):
    _, ack, _ = opened
    dns.txt("_dmarc.example.org", "v=DMARC1; p=none")
    dns.txt("example.org", "v=spf1 ip4:192.0.2.1 -all")
    reply = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT)
    send_raw(gateway, wire(reply), envelope=MARIE, to=personal_address(ack))
    row = assert_held(gateway, relayed_before={AWA: 1})
    assert "spf=fail" in row.auth_verdict


def test_no_dmarc_and_envelope_equal_is_relayed(gateway, opened):
    _, ack, _ = opened
    reply = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT)
    send_raw(gateway, wire(reply), envelope=MARIE, to=personal_address(ack))
    row = gateway.inbound()[-1]
    assert row.state == "done" and row.auth_verdict.startswith("none")
    assert TEXT in human_mail_to(gateway, AWA)[-1].get_body(("plain",)).get_content()


def test_dns_unreachable_and_envelope_equal_is_relayed(gateway, opened, dns):
    _, ack, _ = opened
    dns.unavailable = True  # every query dropped: a machine without DNS
    reply = reply_to(ack, sender=MARIE, name="Marie Durand", text=TEXT)
    send_raw(gateway, wire(reply), envelope=MARIE, to=personal_address(ack))
    row = gateway.inbound()[-1]
    assert row.state == "done" and "temperror" in row.auth_verdict, (row.auth_verdict, row.error)
    assert TEXT in human_mail_to(gateway, AWA)[-1].get_body(("plain",)).get_content()


def test_marie_is_told_once_however_many_forgeries_arrive(gateway, opened):
    _, ack, _ = opened
    for attempt in range(3):
        forged = reply_to(ack, sender=MARIE, name="Marie Durand", text=f"{TEXT} ({attempt})")
        send_raw(gateway, wire(forged), envelope=ATTACKER, to=personal_address(ack))
    assert [row.state for row in gateway.inbound()[1:]] == ["review"] * 3
    assert len(notices_to(gateway, MARIE)) == 1 and len(human_mail_to(gateway, AWA)) == 1


def test_a_request_whose_from_fails_authentication_gets_no_acknowledgement(gateway, dns):
    victim = "victime@target.example"
    dns.txt("_dmarc.target.example", "v=DMARC1; p=reject")
    dns.txt("target.example", "v=spf1 ip4:192.0.2.10 -all")
    mail = request_mail(sender=victim, name="Victime", subject="Achetez maintenant")
    send_raw(gateway, wire(mail), envelope=victim, to=gateway.settings.address)
    row = gateway.inbound()[-1]
    assert row.state == "review" and row.claimed_sender == victim and row.auth_verdict.startswith("fail")
    assert "ne confirme pas" in row.error
    assert gateway.tickets() == [] and gateway.sink.received == []  # nobody written to, no agent bothered
