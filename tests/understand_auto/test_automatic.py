"""Automatic-mail classification on our own French fixtures, rule by rule."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from gateway.understand.automatic import RULES, classify_automatic

DATA = Path(__file__).resolve().parents[1] / "data" / "automatic"
OWN = "aplus.example.gouv.fr"

#: Every fixture with the kind it must get (the test table of the task).
EXPECTED_KIND = {
    "outlook_exchange_ooo_fr.eml": "auto_reply",
    "zimbra_vacation.eml": "auto_reply",
    "gmail_vacation_fr.eml": "auto_reply",
    "orange_absence.eml": "auto_reply",
    "accuse_reception_administration.eml": "auto_reply",
    "read_receipt_mdn.eml": "auto_reply",
    "newsletter.eml": "bulk",
    "postfix_dsn.eml": "bounce",
    "exchange_ndr_fr.eml": "bounce",
    "gmail_dsn.eml": "bounce",
    "qmail_bounce.eml": "bounce",
    "exim_bounce.eml": "bounce",
    "delayed_dsn.eml": "bounce",
    "own_loop_header.eml": "own",
    "own_message_id.eml": "own",
    "human_absence_de_revenus.eml": "human",
    "human_outlook_suppress_only.eml": "human",
    "human_postier.eml": "human",
    "human_accuse_reception_recommande.eml": "human",
}


def load(name: str) -> EmailMessage:
    return email.message_from_bytes((DATA / name).read_bytes(), policy=email.policy.default)


def mail(headers: dict[str, str], body: str = "Bonjour,\n\nMerci.\n") -> EmailMessage:
    lines = [f"{k}: {v}" for k, v in headers.items()]
    raw = "\r\n".join(lines + ["Content-Type: text/plain; charset=utf-8", "", body]).encode()
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_every_fixture_is_in_the_table():
    assert sorted(p.name for p in DATA.glob("*.eml")) == sorted(EXPECTED_KIND)


@pytest.mark.parametrize("name,kind", sorted(EXPECTED_KIND.items()))
def test_fixture_kind(name, kind):
    verdict = classify_automatic(load(name), own_domain=OWN)
    assert verdict.kind == kind, verdict.reasons
    if kind == "human":
        assert verdict.reasons == []
    else:
        assert verdict.reasons


def test_reasons_name_the_rules_that_hit():
    verdict = classify_automatic(load("outlook_exchange_ooo_fr.eml"), own_domain=OWN)
    assert verdict.reasons == [
        "header:auto-submitted=auto-generated",
        "header:x-auto-response-suppress+exchange-rule",
        "subject:auto-reply",
        "body:absence",  # short, answers our mail, "absent du ... au ..."
    ]


def test_rules_have_unique_names_and_known_kinds():
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert {rule.kind for rule in RULES} == {"own", "bounce", "auto_reply", "bulk"}


@pytest.mark.parametrize(
    "subject",
    [
        "Réponse automatique : [A+ #12] Dossier",
        "REPONSE AUTOMATIQUE",
        "réponse automatique",
        "Absence du bureau",
        "Absence du bureau : Re: ma demande",
        "Message d'absence",
        "Message d’absence",
        "Je suis absente",
        "Je suis absent :",
        "Automatic reply: Your request",
        "Auto-Reply: Your request",
        "Out of Office: Your request",
        "Accusé de réception",
        "Accuse de reception : votre demande n° 123",
        "Accusé de réception de votre message",
    ],
)
def test_auto_reply_subjects_accents_and_case_optional(subject):
    verdict = classify_automatic(mail({"From": "a@b.fr", "Subject": subject}), own_domain=OWN)
    assert verdict.kind == "auto_reply"
    assert verdict.reasons == ["subject:auto-reply"]


@pytest.mark.parametrize(
    "subject",
    [
        "Undeliverable: [A+ #12] Dossier",
        "Undelivered Mail Returned to Sender",
        "Non remis : [A+ #12] Dossier",
        "NON REMIS",
        "Échec de la remise : Dossier",
        "Echec de la remise",
        "Delivery Status Notification (Failure)",
        "Mail delivery failed: returning message to sender",
    ],
)
def test_bounce_subjects(subject):
    verdict = classify_automatic(mail({"From": "a@b.fr", "Subject": subject}), own_domain=OWN)
    assert verdict.kind == "bounce"


@pytest.mark.parametrize(
    "subject",
    [
        "Question sur mon absence de revenus",
        "Mon absence à l'entretien France Travail",
        "Accusé de réception de ma lettre recommandée",
        "Non remise de ma carte Vitale",
        "RE: Réponse automatique",
        "TR: Non remis : mon dossier",
        "Je suis absent le 3 mars, puis-je décaler ?",
        "Courrier non distribuable à ma nouvelle adresse",
        "Les congés de ma conseillère",
        "Absence : je ne pourrai pas venir au rendez-vous",
        "Vacances",
    ],
)
def test_human_subjects_that_look_automatic(subject):
    verdict = classify_automatic(mail({"From": "a@b.fr", "Subject": subject}), own_domain=OWN)
    assert verdict.kind == "human", verdict.reasons


def test_null_return_path_alone_is_an_auto_reply():
    verdict = classify_automatic(mail({"From": "a@b.fr", "Subject": "x", "Return-Path": "<>"}), own_domain=OWN)
    assert (verdict.kind, verdict.reasons) == ("auto_reply", ["return-path:empty"])


def test_auto_submitted_no_is_human():
    verdict = classify_automatic(mail({"From": "a@b.fr", "Auto-Submitted": "no", "Subject": "x"}), own_domain=OWN)
    assert verdict.kind == "human"


@pytest.mark.parametrize("header", ["X-Autoreply: yes", "X-Autorespond: vacation", "Precedence: auto_reply"])
def test_vendor_auto_reply_headers(header):
    name, value = header.split(": ")
    verdict = classify_automatic(mail({"From": "a@b.fr", "Subject": "x", name: value}), own_domain=OWN)
    assert verdict.kind == "auto_reply"


@pytest.mark.parametrize("value", ["bulk", "list", "junk", "Bulk"])
def test_precedence_bulk(value):
    verdict = classify_automatic(mail({"From": "a@b.fr", "Subject": "x", "Precedence": value}), own_domain=OWN)
    assert verdict.kind == "bulk"


def test_list_id_is_bulk_and_feedback_id_is_ignored():
    assert classify_automatic(mail({"From": "a@b.fr", "List-Id": "<x.lists.b.fr>"}), own_domain=OWN).kind == "bulk"
    assert classify_automatic(mail({"From": "a@b.fr", "Feedback-ID": "1:2:3"}), own_domain=OWN).kind == "human"


def test_exchange_rules_loop_alone_is_human():
    """A person's redirect rule adds it to mail that person wrote."""
    headers = {"From": "a@b.fr", "Subject": "Mon dossier", "X-MS-Exchange-Inbox-Rules-Loop": "a@b.fr"}
    assert classify_automatic(mail(headers), own_domain=OWN).kind == "human"


def test_auto_reply_beats_bulk_and_bounce_beats_auto_reply():
    vacation = {"From": "a@b.fr", "Subject": "x", "Auto-Submitted": "auto-replied", "Precedence": "bulk"}
    assert classify_automatic(mail(vacation), own_domain=OWN).kind == "auto_reply"
    bounce = {**vacation, "From": "MAILER-DAEMON@b.fr"}
    assert classify_automatic(mail(bounce), own_domain=OWN).kind == "bounce"


def test_own_message_id_only_in_message_id_header():
    reply = {
        "From": "a@b.fr",
        "Subject": "Re: [A+ #1] x",
        "Message-ID": "<123@b.fr>",
        "In-Reply-To": f"<ticket-1@{OWN}>",
        "References": f"<ticket-1@{OWN}>",
    }
    assert classify_automatic(mail(reply), own_domain=OWN).kind == "human"
    ours = {**reply, "Message-ID": f"<ticket-1-m2@{OWN.upper()}>"}
    assert classify_automatic(mail(ours), own_domain=OWN).kind == "own"


def test_loop_header_of_another_domain_is_not_ours():
    headers = {"From": "a@b.fr", "Subject": "x", "X-Aplus-Loop": "autre.example.fr"}
    assert classify_automatic(mail(headers), own_domain=OWN).kind == "human"


def test_postmaster_alone_is_a_person():
    headers = {"From": "Bob <postmaster@mairie.fr>", "Subject": "Une question"}
    assert classify_automatic(mail(headers), own_domain=OWN).kind == "human"


def test_bounce_boilerplate_quoted_by_a_person_stays_human():
    body = (
        "Bonjour, mon message est revenu avec ce texte :\n"
        "This message was created automatically by mail delivery software.\n"
        "Pouvez-vous m'aider ?\n"
    )
    verdict = classify_automatic(mail({"From": "a@b.fr", "Subject": "Mon mail revient"}, body), own_domain=OWN)
    assert verdict.kind == "human"


def test_arf_feedback_report_is_bulk_not_bounce():
    raw = (
        "From: staff@hotmail.example\r\nTo: abuse@aplus.example.gouv.fr\r\nSubject: Complaint\r\n"
        "Auto-Submitted: auto-generated\r\nReturn-Path: <>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=feedback-report; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report\r\n"
        "--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\nVersion: 1\r\n"
        "--b--\r\n"
    ).encode()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    verdict = classify_automatic(msg, own_domain=OWN)
    assert verdict.kind == "bulk"
    assert "content:report=feedback-report" in verdict.reasons


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage",
        b"From: =?utf-8?B?broken\r\nSubject: =?x-unknown?Q?=FF?=\r\n\r\nbody",
        b"From: <<<@@@>>>, \"unterminated\r\nTo: ,,,;;;\r\nSubject: \xff\xfe\r\n\r\n\xff",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n"
        b"Content-Type: message/delivery-status\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n",
        b"Content-Type: multipart/mixed; boundary=a\r\n\r\n" + b"--a\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n" * 300,
        b"Content-Type: text/plain; charset=no-such-charset\r\nFrom: MAILER-DAEMON@x\r\n\r\n\xe9\xe9",
    ],
)
def test_hostile_mail_never_raises(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    verdict = classify_automatic(msg, own_domain=OWN)
    assert verdict.kind in ("human", "auto_reply", "bulk", "bounce", "own")


def test_a_failing_rule_is_recorded_and_the_others_still_run():
    class Exploding(EmailMessage):
        def raw_items(self):  # type: ignore[override]
            raise RuntimeError("boom")

    verdict = classify_automatic(Exploding(), own_domain=OWN)
    assert verdict.kind == "human"
    assert verdict.reasons == ["error:unreadable:RuntimeError"]


def test_our_relays_delivery_report_is_a_bounce_not_our_own_mail():
    raw = (load("postfix_dsn.eml").as_bytes()).replace(
        b"Message-Id: <20250210090005.4Yq1Z3@relay.aplus.example.gouv.fr>",
        b"Message-Id: <20250210090005.4Yq1Z3@aplus.example.gouv.fr>",
    )
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    verdict = classify_automatic(msg, own_domain=OWN)
    assert "header:message-id=own-domain" in verdict.reasons
    assert verdict.kind == "bounce"


@pytest.mark.parametrize("name,kind", sorted(EXPECTED_KIND.items()))
def test_same_verdict_with_the_compat32_policy(name, kind):
    """read_mail falls back to compat32 on mail the modern policy rejects."""
    msg = email.message_from_bytes((DATA / name).read_bytes(), policy=email.policy.compat32)
    assert classify_automatic(msg, own_domain=OWN).kind == kind
