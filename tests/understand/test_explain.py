"""The explain dict: stable keys, requester and aidant, forwards and bounces."""

from __future__ import annotations

import json

from gateway.explain import explain_mail

from .builders import fixture

KEYS = {
    "file", "kind", "message_id", "requester", "aidant", "subject", "text", "elided", "attachments",
    "forwarded", "bounce", "automatic", "routing", "thread", "defects", "signature", "received",
}  # fmt: skip

GMAIL_FORWARD = """From: Sophie Aidante <sophie@france-services-arras.example>
To: aplus@aplus.localhost
Subject: Fwd: Ma pension de retraite
Message-ID: <fwd-body@france-services-arras.example>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour, je transmets la demande de M. Bernard, reçu ce matin.

---------- Message transféré ---------
De : Jacques Bernard <Jacques.Bernard@wanadoo.fr>
Date: lun. 3 févr. 2025 à 10:12
Subject: Ma pension de retraite
To: <sophie@france-services-arras.example>

Ma pension n'est plus versée depuis janvier.
""".encode()

REPLY = """From: Agent CAF <agent@caf.fr>
To: aplus+t42@aplus.localhost
Subject: RE: Dossier RSA
In-Reply-To: <ticket-42@aplus.localhost>
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Le dossier a été transféré à la CAF des Bouches-du-Rhône.

Le lun. 3 févr. 2025 à 10:12, A+ <aplus@aplus.localhost> a écrit :
> Bonjour, pouvez-vous regarder ce dossier ?
""".encode()

DSN = b"""From: Mail Delivery System <MAILER-DAEMON@mx.aplus.localhost>
To: bounces+t42-agent=caf.fr@aplus.localhost
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="R"

--R
Content-Type: text/plain

I'm sorry to have to inform you that your message could not be delivered.

--R
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.aplus.localhost

Final-Recipient: rfc822; agent@caf.fr
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--R
Content-Type: text/rfc822-headers

From: A+ <aplus@aplus.localhost>
Message-ID: <out-1@aplus.localhost>
Subject: [A+ #42] Dossier RSA

--R--
"""


def explain(raw: bytes, **kwargs) -> dict:
    result = explain_mail(raw, file="mail.eml", own_domain="aplus.localhost", **kwargs)
    assert set(result) == KEYS
    assert json.loads(json.dumps(result)) == result  # JSON-able as it is
    return result


def test_new_request():
    raw = fixture("mime-subject-utf8-attachments.eml")
    result = explain(raw.replace(b"In-Reply-To", b"X-In-Reply-To").replace(b"References", b"X-References"))
    assert result["file"] == "mail.eml"
    assert result["kind"] == "request"
    assert result["requester"] == {"email": "marie.dupont@orange.fr", "name": "Dupont, Marie"}
    assert result["aidant"] is None
    assert result["subject"].startswith("Problème de versement")
    assert result["text"].startswith("Bonjour,\n\nVoici mon attestation CAF")
    assert result["attachments"][0] == {"filename": "attestation CAF éé.pdf", "content_type": "application/pdf", "size": 77}
    assert result["forwarded"] is None and result["bounce"] is None
    assert result["routing"] == {"organisations": [], "areas": [], "confidence": 0.0}
    assert result["thread"] is None
    assert result["automatic"] == {"kind": "human", "reasons": []}
    assert result["message_id"] == "<abc.def@orange.fr>"


def test_forward_as_attached_message_makes_the_original_sender_the_requester():
    result = explain(fixture("mime-forward-attached.eml"))
    assert result["kind"] == "forward"
    assert result["requester"] == {"email": "claire.martin@orange.fr", "name": "Claire Martin"}
    assert result["aidant"] == {"email": "accueil@france-services-lens.example", "name": "Accueil France Services Lens"}
    assert result["forwarded"]["subject"] == "Demande d'aide RSA"
    assert result["forwarded"]["text"].startswith("Bonjour, mon RSA est suspendu")
    assert result["text"].startswith("Bonjour,\n\nJe vous transfère la demande de Mme Martin")


def test_forward_in_body():
    result = explain(GMAIL_FORWARD)
    assert result["kind"] == "forward"
    assert result["requester"]["email"] == "jacques.bernard@wanadoo.fr"
    assert result["aidant"]["email"] == "sophie@france-services-arras.example"
    assert result["text"] == "Bonjour, je transmets la demande de M. Bernard, reçu ce matin."
    assert "Ma pension n'est plus versée depuis janvier." in result["forwarded"]["text"]
    assert "Message transféré" in result["elided"]


def test_reply_is_trimmed():
    result = explain(REPLY)
    assert result["kind"] == "reply"
    assert result["requester"]["email"] == "agent@caf.fr" and result["aidant"] is None
    assert result["text"] == "Le dossier a été transféré à la CAF des Bouches-du-Rhône."
    assert "a écrit" in result["elided"]


def test_bounce():
    result = explain(DSN)
    assert result["kind"] == "bounce"
    assert result["automatic"]["kind"] == "bounce"
    assert result["bounce"]["recipients"] == ["agent@caf.fr"]
    assert result["bounce"]["status"] == "5.1.1"
    assert result["bounce"]["permanent"] is True
    assert result["forwarded"] is None


def test_routing_and_thread_are_passed_through():
    routing = {"organisations": [{"code": "CAF", "score": 0.9, "evidence": ["RSA"]}], "areas": [], "confidence": 0.9}
    thread = {"ticket": 42, "by": "references"}
    result = explain(REPLY, routing=routing, thread=thread)
    assert result["routing"] == routing and result["thread"] == thread


def test_garbage_still_has_every_key():
    result = explain(b"\x00\xff garbage without headers")
    assert result["kind"] == "request"
    assert result["requester"] is None and result["aidant"] is None
