"""Internationalised addresses end to end: real SMTP in, real relay out (§4 of issue 10).

Before: the acknowledgement's ``To:`` crashed in ``formataddr``
(``UnicodeEncodeError``) five times, then the mail was quarantined with the
Python error as its reason and the person never heard back.
"""

from __future__ import annotations

from email import message_from_string, policy

import pytest
from sqlalchemy import select

from gateway.models import OutboundMail
from tests.support.gateway import GatewayHarness, gateway_settings, request_mail, small_directory
from tests.support.smtp_sink import SmtpSink


@pytest.fixture
def utf8_sink():
    server = SmtpSink(enable_SMTPUTF8=True).start()
    yield server
    server.stop()


@pytest.fixture
def ascii_sink():
    """A relay that does not offer SMTPUTF8 (as many older MTAs)."""
    server = SmtpSink(enable_SMTPUTF8=False).start()
    yield server
    server.stop()


def start(database, settings, sink) -> GatewayHarness:
    settings = gateway_settings(settings, sink)
    small_directory(database, settings)
    return GatewayHarness(database, settings, sink).start()


def send_utf8(gateway: GatewayHarness, sender: str, name: str) -> None:
    mail = request_mail(sender, name)
    with gateway.client() as client:
        client.ehlo()
        assert client.has_extn("smtputf8"), "the receiver advertises SMTPUTF8"
        raw = mail.as_bytes(policy=policy.SMTPUTF8)  # what a client does: the address in UTF-8 (RFC 6532)
        assert sender.encode() in raw
        client.sendmail(sender, [gateway.settings.address], raw, mail_options=["SMTPUTF8"])


def outbound_to(gateway: GatewayHarness, address: str) -> OutboundMail:
    with gateway.database.begin() as session:
        rows = session.scalars(select(OutboundMail)).all()
        matching = [row for row in rows if address in row.recipient]
        assert len(matching) == 1, [row.recipient for row in rows]
        return matching[0]


def test_a_non_ascii_local_part_is_answered_through_a_relay_with_smtputf8(database, settings, utf8_sink):
    gateway = start(database, settings, utf8_sink)
    try:
        send_utf8(gateway, "josé@exemple.fr", "José Martín")
        gateway.wait_settled()
    finally:
        gateway.stop()
    [inbound] = gateway.inbound()
    assert inbound.state == "done", inbound.error
    [acknowledgement] = utf8_sink.to("josé@exemple.fr")
    message = message_from_string(acknowledgement.data.decode("utf-8"), policy=policy.SMTPUTF8)
    assert message["To"].addresses[0].addr_spec == "josé@exemple.fr"
    assert message["To"].addresses[0].display_name == "José Martín"
    assert outbound_to(gateway, "josé@exemple.fr").state == "sent"


def test_a_non_ascii_domain_goes_out_in_idna_to_any_relay(database, settings, ascii_sink):
    sink = ascii_sink
    gateway = start(database, settings, sink)
    try:
        send_utf8(gateway, "marie@café.example", "Marie Café")
        gateway.wait_settled()
    finally:
        gateway.stop()
    assert [row.state for row in gateway.inbound()] == ["done"]
    [acknowledgement] = sink.to("marie@xn--caf-dma.example")
    assert acknowledgement.data.isascii()
    assert acknowledgement.message["To"].addresses[0].addr_spec == "marie@xn--caf-dma.example"


def test_a_relay_without_smtputf8_gives_a_clear_failed_row_not_a_crash(database, settings, ascii_sink):
    sink = ascii_sink
    gateway = start(database, settings, sink)
    try:
        send_utf8(gateway, "josé@exemple.fr", "José")
        gateway.wait_settled()
    finally:
        gateway.stop()
    [inbound] = gateway.inbound()
    assert inbound.state == "done"  # the ticket is open; the agents got their mail
    assert gateway.tickets() and sink.received
    row = outbound_to(gateway, "josé@exemple.fr")
    assert row.state == "failed"
    assert "josé@exemple.fr" in row.last_error and "SMTPUTF8" in row.last_error
    assert "Error" not in row.last_error and "Contactez la personne" in row.last_error
    assert sink.to("josé@exemple.fr") == []


def test_an_address_header_keeps_a_utf8_local_part_and_encodes_the_name():
    from gateway.outbound.mime import address_header, compose
    header = address_header("José Martín", "josé@café.example")
    assert header.endswith("<josé@xn--caf-dma.example>") and "=?utf-8?" in header
    raw = compose([("To", header), ("Subject", "Réponse")], "texte", "<p>texte</p>")
    parsed = message_from_string(raw.decode("utf-8"), policy=policy.SMTPUTF8)
    assert parsed["To"].addresses[0].display_name == "José Martín"
    assert parsed["To"].addresses[0].addr_spec == "josé@xn--caf-dma.example"
