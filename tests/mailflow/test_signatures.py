"""Relayed mail: the author's words first, then their identity block, shorter.

The usager's copy keeps who wrote (name, title, service) without contact
details; agents' copies keep the phone line too; confidentiality notices are
relayed to nobody.
"""

from __future__ import annotations

from email.utils import parseaddr

import pytest

from tests.support.gateway import AWA, MARIE, open_request, reply_to

pytestmark = pytest.mark.slow

AGENT_TEXT = """Bonjour Madame,

Votre dossier est débloqué, le versement partira vendredi.

Cordialement,

Awa Diallo
Conseillère service à l'usager
CAF des Bouches-du-Rhône
Tél. : 04 91 00 00 00

Ce message et ses pièces jointes sont confidentiels et destinés exclusivement à leurs destinataires.
Pensez à l'environnement avant d'imprimer ce message.
"""


def relayed_to(gateway, address):
    return [r.message for r in gateway.sink.to(address) if "Auto-Submitted" not in r.message]


def test_the_usager_gets_the_agents_words_then_who_wrote_without_contact_details(gateway):
    open_request(gateway)
    notification = relayed_to(gateway, AWA)[0]
    answer = reply_to(notification, sender=AWA, name="Awa Diallo", text=AGENT_TEXT)
    gateway.send(answer, to=[parseaddr(str(notification["Reply-To"]))[1]])
    gateway.wait_settled()

    text = relayed_to(gateway, MARIE)[-1].get_body(("plain",)).get_content()
    words = text.split("a écrit :", 1)[1]
    assert words.index("Cordialement,") < words.index("Awa Diallo") < words.index("CAF des Bouches-du-Rhône")
    assert "04 91 00 00 00" not in text
    assert "confidentiels" not in text and "environnement" not in text


def test_agents_get_the_persons_phone_from_her_signature(gateway):
    open_request(gateway)
    ack = [r.message for r in gateway.sink.to(MARIE)][0]
    follow_up = reply_to(ack, sender=MARIE, name="Marie Durand",
                         text="Bonjour,\n\nJ'ai envoyé mon avis d'imposition.\n\nMerci d'avance\nMarie Durand\n06 12 34 56 78\n")
    gateway.send(follow_up, to=[parseaddr(str(ack["Reply-To"]))[1]])
    gateway.wait_settled()

    # quoted-printable text arrives with CRLF line breaks, as RFC 2045 writes text on the wire
    text = [r.message for r in gateway.sink.to(AWA)][-1].get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "J'ai envoyé mon avis d'imposition." in text
    lines = [line.strip() for line in text.splitlines()]
    name = lines.index("Marie Durand")  # the signature's first line, after the closing formula
    assert lines.index("Merci d'avance") < name and lines[name + 1] == "06 12 34 56 78"
