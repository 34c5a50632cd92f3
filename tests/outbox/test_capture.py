"""Capture mode: one readable .eml per mail, written atomically, nothing sent."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes, policy

from gateway.outbound.outbox import deliver_due, envelope_sender
from gateway.outbound.transports import CaptureTransport, make_transport
from tests.outbox.conftest import mail_bytes, outbox_row, queue_mail


def test_capture_writes_one_readable_file_per_mail_and_sends_nothing(database, relay_settings, sink):
    settings = replace(relay_settings, delivery="capture")  # the relay settings point at a live sink
    raws = {recipient: mail_bytes(recipient) for recipient in ("awa.diallo@caf13.example", "marc@francetravail.example")}
    ids = {recipient: queue_mail(database, recipient, raw) for recipient, raw in raws.items()}
    transport = make_transport(settings)
    assert isinstance(transport, CaptureTransport)

    report = deliver_due(database, settings, transport)

    assert sorted(report.sent) == sorted(ids.values())
    files = sorted(settings.outbox_dir.iterdir())
    assert len(files) == 2
    for recipient, outbox_id in ids.items():
        [path] = [f for f in files if f.name.endswith(f"-{outbox_id}-{recipient}.eml")]
        content = path.read_bytes()
        message = message_from_bytes(content, policy=policy.default)
        assert message["X-Aplus-Envelope-From"] == envelope_sender(settings, outbox_id)
        assert message["X-Aplus-Envelope-To"] == recipient
        assert content.endswith(raws[recipient])  # the mail itself, byte for byte, after the two headers
        assert outbox_row(database, outbox_id).state == "sent"
    assert sink.received == []


def test_file_names_are_safe_and_no_partial_file_is_left(tmp_path):
    transport = CaptureTransport(tmp_path / "outbox")
    transport.send("aplus+bounce-7-0123456789abcdef@aplus.localhost", "../../etc/passwd Ünïcode@exemple.fr", b"Subject: x\n\ncorps\n")

    [path] = list((tmp_path / "outbox").iterdir())
    assert path.parent == tmp_path / "outbox"
    assert path.name.endswith("-7-etc_passwd_n_code@exemple.fr.eml")
    assert path.read_bytes().startswith(b"X-Aplus-Envelope-From: aplus+bounce-7-")
    assert path.read_bytes().endswith(b"\n\ncorps\n")
