"""Releasing and rejecting held mail: audited, relayed only once released, raw kept."""

from __future__ import annotations

from email import policy
from email.utils import parseaddr

import pytest
from sqlalchemy import select

from gateway.models import AuditEvent
from gateway.processing.review import NotHeld, reject_held, release_held
from tests.support.gateway import AWA, MARIE, open_request, reply_to

pytestmark = pytest.mark.slow

ATTACKER = "mallory@attacker.example"


def held_reply(gateway, text: str) -> int:
    ack = gateway.sink.to(MARIE)[0].message
    forged = reply_to(ack, sender=MARIE, name="Marie Durand", text=text)
    with gateway.client() as client:
        client.sendmail(ATTACKER, [parseaddr(str(ack["Reply-To"]))[1]], forged.as_bytes(policy=policy.SMTP))
    gateway.wait_settled()
    row = gateway.inbound()[-1]
    assert row.state == "review"
    return row.id


def relayed_to_awa(gateway) -> list[str]:
    return [r.message.get_body(("plain",)).get_content() for r in gateway.sink.to(AWA)]


def audit_actions(gateway) -> list[tuple[str, str]]:
    with gateway.database.begin() as session:
        return [(e.action, e.actor) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_release_relays_the_held_reply_and_records_who_decided(gateway):
    open_request(gateway)
    inbound_id = held_reply(gateway, "Je confirme, c'est bien moi : voici mon numéro allocataire.")
    assert not any("numéro allocataire" in text for text in relayed_to_awa(gateway))
    with gateway.database.begin() as session:
        outcome = release_held(session, gateway.settings, inbound_id, actor="nina.roux@aplus.example")
    assert outcome.state == "done"
    gateway.outbound_bell.ring()
    gateway.wait_settled()
    assert any("numéro allocataire" in text for text in relayed_to_awa(gateway))
    assert ("review.released", "nina.roux@aplus.example") in audit_actions(gateway)
    assert gateway.inbound()[-1].state == "done"
    with gateway.database.begin() as session, pytest.raises(NotHeld, match="n'est pas en attente"):
        release_held(session, gateway.settings, inbound_id, actor="nina.roux@aplus.example")


def test_reject_keeps_the_mail_and_relays_nothing(gateway):
    open_request(gateway)
    inbound_id = held_reply(gateway, "Virez l'argent sur ce compte : FR76 0000.")
    with gateway.database.begin() as session:
        reject_held(session, gateway.settings, inbound_id, actor="nina.roux@aplus.example", reason="usurpation")
    gateway.wait_settled()
    row = gateway.inbound()[-1]
    assert row.state == "discarded" and "usurpation" in row.error and b"FR76" in row.raw
    assert not any("FR76" in text for text in relayed_to_awa(gateway))
    assert ("review.rejected", "nina.roux@aplus.example") in audit_actions(gateway)
    with gateway.database.begin() as session, pytest.raises(NotHeld):
        reject_held(session, gateway.settings, 999_999, actor="x", reason="")


def test_the_console_lists_releases_and_refuses_in_french(gateway):
    import os
    import subprocess
    import sys
    from pathlib import Path

    open_request(gateway)
    inbound_id = held_reply(gateway, "Message à vérifier depuis la console.")
    env = {**os.environ, "APLUS_DATA_DIR": str(gateway.settings.data_dir), "APLUS_SECRET_KEY": gateway.settings.secret_key,
           "APLUS_DATABASE_URL": gateway.settings.database_url}

    def aplus(*args):
        return subprocess.run([sys.executable, "-m", "gateway.cli", "review", *args], env=env, capture_output=True,
                              cwd=Path(__file__).resolve().parents[2], timeout=60)

    listed = aplus("list")
    assert listed.returncode == 0 and f"{inbound_id}\t" in listed.stdout.decode() and "1 message(s) à vérifier" in listed.stdout.decode()
    missing = aplus("reject", "999999", "--reason", "test")
    assert missing.returncode == 1 and "Aucun message n° 999999" in missing.stderr.decode() and b"Traceback" not in missing.stderr
    released = aplus("release", str(inbound_id))
    assert released.returncode == 0 and "libéré" in released.stdout.decode()
    assert gateway.inbound()[-1].state == "done"
