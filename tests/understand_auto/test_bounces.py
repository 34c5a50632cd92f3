"""Bounce parsing on our fixtures: who failed, how, and which mail it answers."""

from __future__ import annotations

import email
import email.policy

import pytest

from gateway.understand.bounces import parse_bounce
from gateway.understand.verp import parse_verp
from tests.understand_auto.test_automatic import EXPECTED_KIND, OWN, load

SECRET = b"test-secret"

#: fixture -> (recipients, status, action, permanent, original Message-ID, outbox id from VERP)
EXPECTED_BOUNCE = {
    "postfix_dsn.eml": (
        ["jean.dupont@caf13.example.fr"], "5.1.1", "failed", True, "<ticket-1042-m8@aplus.example.gouv.fr>", 42
    ),
    "gmail_dsn.eml": (
        ["lucie.moreau1984@gmail.com"], "5.1.1", "failed", True, "<ticket-1042-m9@aplus.example.gouv.fr>", 42
    ),
    "exchange_ndr_fr.eml": (
        ["marie.martin@cpam-exemple.fr"], "5.1.10", "failed", True, "<ticket-1077-m3@aplus.example.gouv.fr>", 7
    ),
    "qmail_bounce.eml": (
        ["andre.petit@fai-exemple.net"], "5.1.1", "failed", True, "<ticket-1042-m10@aplus.example.gouv.fr>", 42
    ),
    "exim_bounce.eml": (
        ["benevole@asso-exemple.org"], "5.2.1", "failed", True, "<ticket-1042-m11@aplus.example.gouv.fr>", 42
    ),
    "delayed_dsn.eml": (
        ["agent@msa-exemple.fr"], "4.4.1", "delayed", False, "<ticket-1077-m5@aplus.example.gouv.fr>", 7
    ),
}


def test_every_bounce_fixture_is_described():
    assert sorted(EXPECTED_BOUNCE) == sorted(k for k, v in EXPECTED_KIND.items() if v == "bounce")


@pytest.mark.parametrize("name", sorted(EXPECTED_BOUNCE))
def test_bounce_fixture(name):
    recipients, status, action, permanent, message_id, outbox_id = EXPECTED_BOUNCE[name]
    bounce = parse_bounce(load(name), own_domain=OWN)
    assert bounce is not None
    assert bounce.recipients == recipients
    assert (bounce.status, bounce.action, bounce.permanent) == (status, action, permanent)
    assert bounce.original_message_id == message_id
    assert parse_verp(bounce.verp_address, SECRET) == outbox_id
    assert bounce.to_dict() == {"recipients": recipients, "status": status, "action": action, "permanent": permanent}


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED_KIND.items() if v != "bounce"))
def test_not_a_bounce(name):
    assert parse_bounce(load(name), own_domain=OWN) is None


def dsn(blocks: str, *, verp_to: str = "aplus@aplus.example.gouv.fr") -> email.message.EmailMessage:
    raw = (
        "From: MAILER-DAEMON@relay.example\r\n"
        f"To: {verp_to}\r\nSubject: Delivery report\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nReport.\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; relay.example\r\n\r\n"
        f"{blocks}\r\n--b--\r\n"
    )
    return email.message_from_bytes(raw.encode(), policy=email.policy.default)


def test_several_recipients_worst_action_first():
    msg = dsn(
        "Final-Recipient: rfc822; a@x.fr\r\nAction: delayed\r\nStatus: 4.4.1\r\n\r\n"
        "Final-Recipient: rfc822; b@x.fr\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "Final-Recipient: rfc822; c@x.fr\r\nAction: failed (bad address)\r\nStatus: 5.1.2 (bad domain)\r\n"
    )
    bounce = parse_bounce(msg, own_domain=OWN)
    assert bounce.recipients == ["b@x.fr", "c@x.fr"]
    assert (bounce.action, bounce.status, bounce.permanent) == ("failed", "5.1.1", True)


def test_failed_with_temporary_status_is_not_permanent():
    bounce = parse_bounce(dsn("Final-Recipient: rfc822; a@x.fr\r\nAction: failed\r\nStatus: 4.4.7\r\n"), own_domain=OWN)
    assert (bounce.action, bounce.permanent) == ("failed", False)


def test_delivered_report_is_reported_but_never_permanent():
    bounce = parse_bounce(dsn("Final-Recipient: rfc822; a@x.fr\r\nAction: delivered\r\nStatus: 2.0.0\r\n"), own_domain=OWN)
    assert (bounce.recipients, bounce.action, bounce.permanent) == (["a@x.fr"], "delivered", False)


def test_verp_found_in_to_header_only_at_own_domain():
    theirs = dsn("Final-Recipient: rfc822; a@x.fr\r\nAction: failed\r\n", verp_to="x+bounce-1-abc@other.example")
    assert parse_bounce(theirs, own_domain=OWN).verp_address is None
    ours = dsn("Final-Recipient: rfc822; a@x.fr\r\nAction: failed\r\n", verp_to=f"APLUS+BOUNCE-3-AB@{OWN.upper()}")
    assert parse_bounce(ours, own_domain=OWN).verp_address == f"aplus+bounce-3-ab@{OWN}"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"From: MAILER-DAEMON@x\r\nSubject: Undeliverable\r\n\r\n\xff\xfe",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\nFrom: postmaster@x\r\n\r\n--x\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: ;;;\r\nAction: \xff\r\n--x\r\n"
        b"Content-Type: message/rfc822\r\n\r\n--x--",
        b"Content-Type: message/delivery-status\r\n\r\n" + b"Final-Recipient: rfc822; a@b.fr\r\n" * 5000,
        b"From: MAILER-DAEMON@x\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n"
        + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 300,
    ],
)
def test_hostile_bounce_never_raises(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    bounce = parse_bounce(msg, own_domain=OWN)
    assert bounce is None or isinstance(bounce.recipients, list)


def test_dsn_fields_pasted_by_a_person_are_not_a_bounce():
    raw = (
        "From: Nadia Benali <nadia.benali@laposte.net>\r\nTo: aplus@aplus.example.gouv.fr\r\n"
        "Subject: Mon mail revient\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "Bonjour, j'ai reçu ceci :\r\n\r\nFinal-Recipient: rfc822; agent@caf.fr\r\nAction: failed\r\n"
        "Status: 5.1.1\r\n\r\nQue faire ?\r\n"
    ).encode()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert parse_bounce(msg, own_domain=OWN) is None


HOSTILE_RUNS = {
    "long run without @": b"a" * 100_000,
    "long run of (a@a": b"(a@a" * 30_000,
    "message-id lines": b"message-id:<" * 20_000,
    "dotted domain": b"x@" + b"a." * 50_000,
    "5 MB of lines": b"x@y.fr: 550 5.1.1 user unknown\n" * 160_000,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("body", HOSTILE_RUNS.values(), ids=HOSTILE_RUNS.keys())
def test_hostile_text_stays_linear(body):
    """Address regexes over long runs once took 66 s on 100 kB (backtracking)."""
    head = b"From: MAILER-DAEMON@x.fr\r\nDelivered-To: " + b"b" * 50_000 + b"\r\nSubject: Undeliverable\r\n\r\n"
    msg = email.message_from_bytes(head + body, policy=email.policy.default)
    bounce = parse_bounce(msg, own_domain=OWN)
    assert bounce is not None and bounce.action == "failed"
