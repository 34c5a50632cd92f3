"""Attachments too big to relay become signed, expiring links served by the admin (real SMTP in and out)."""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy

from admin import create_app
from gateway.outbound.attachment_links import make_token, verify_link
from tests.support.gateway import AWA, GatewayHarness, gateway_settings, request_mail, small_directory

LINK = re.compile(r"https?://\S+/pieces-jointes/(\S+)")


def test_a_big_attachment_is_relayed_as_a_link_that_downloads_the_file(database, settings, sink):
    settings = gateway_settings(settings, sink, relay_max_bytes=600_000)
    small_directory(database, settings)
    big, small = os.urandom(400_000), b"%PDF-1.4 petit"
    mail = request_mail()
    mail.add_attachment(big, maintype="application", subtype="pdf", filename="dossier complet.pdf")
    mail.add_attachment(small, maintype="application", subtype="pdf", filename="avis.pdf")
    gateway = GatewayHarness(database, settings, sink).start()
    try:
        gateway.send(mail)
        gateway.wait_settled()
    finally:
        gateway.stop()
    [acknowledgement] = sink.to(AWA)  # the agent gets the request with its files
    message = message_from_bytes(acknowledgement.data, policy=policy.default)
    assert len(acknowledgement.data) < settings.relay_max_bytes
    assert [part.get_filename() for part in message.iter_attachments()] == ["avis.pdf"]
    text = message.get_body(("plain",)).get_content()
    assert "dossier complet.pdf (0,4 Mo)" in text and "trop volumineuses" in text
    [token] = LINK.findall(text)
    assert all(token in r.data.decode("ascii", "replace") for r in sink.received if b"dossier" in r.data)

    client = create_app(settings, database).test_client()
    response = client.get(f"/pieces-jointes/{token}")
    assert response.status_code == 200 and response.data == big
    assert response.headers["Content-Disposition"].startswith("attachment; filename*=utf-8''dossier%20complet.pdf")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/octet-stream"

    forged = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert client.get(f"/pieces-jointes/{forged}").status_code == 404
    other = token.split(".")
    assert client.get(f"/pieces-jointes/{int(other[0]) + 1}.{other[1]}.{other[2]}").status_code == 404


def test_tokens_expire_and_cannot_be_extended(settings):
    now = datetime.now(timezone.utc)
    token = make_token(settings, 42, now + timedelta(days=1))
    assert verify_link(settings, token) == 42
    assert verify_link(settings, token, now=now + timedelta(days=2)) is None
    attachment_id, expiry, mac = token.split(".")
    assert verify_link(settings, f"{attachment_id}.{int(expiry) + 86400}.{mac}") is None
    assert verify_link(settings, "") is None and verify_link(settings, "a.b.c") is None


def test_a_mail_under_the_limit_keeps_its_files(database, settings, sink):
    settings = gateway_settings(settings, sink)
    small_directory(database, settings)
    mail = request_mail()
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="avis.pdf")
    gateway = GatewayHarness(database, settings, sink).start()
    try:
        gateway.send(mail)
        gateway.wait_settled()
    finally:
        gateway.stop()
    message = message_from_bytes(sink.to(AWA)[0].data, policy=policy.default)
    assert [part.get_filename() for part in message.iter_attachments()] == ["avis.pdf"]
    assert "pieces-jointes" not in message.get_body(("plain",)).get_content()
