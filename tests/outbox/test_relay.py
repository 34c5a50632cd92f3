"""Delivery through a real relay: VERP, exact bytes, retries, refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy

from gateway.models import utcnow
from gateway.outbound.outbox import JITTER, deliver_due, envelope_sender
from gateway.outbound.transports import RelayTransport
from gateway.understand.verp import parse_verp
from tests.outbox.conftest import mail_bytes, outbox_row, queue_mail
from tests.support.smtp_sink import SmtpSink, free_port

TRY_LATER = "451 4.3.0 Veuillez réessayer plus tard"
NO_SUCH_USER = "550 5.1.1 Utilisateur inconnu"


def without_signature(data: bytes) -> bytes:
    """The mail as queued: delivery only puts our DKIM-Signature header (with its folded lines) on top."""
    assert data.startswith(b"DKIM-Signature:"), data[:80]
    lines = data.split(b"\r\n")
    rest = 1
    while lines[rest][:1] in (b" ", b"\t"):
        rest += 1
    return b"\r\n".join(lines[rest:])


def deliver(database, settings, **kwargs):
    return deliver_due(database, settings, RelayTransport(settings), **kwargs)


def test_delivers_the_exact_bytes_with_the_verp_envelope_sender(database, relay_settings, sink):
    raw = mail_bytes("awa.diallo@caf13.example")
    outbox_id = queue_mail(database, "awa.diallo@caf13.example", raw)

    report = deliver(database, relay_settings)

    assert report.sent == [outbox_id]
    [received] = sink.wait_for(1)
    assert received.rcpt_tos == ["awa.diallo@caf13.example"]
    assert received.mail_from == envelope_sender(relay_settings, outbox_id)
    assert received.mail_from.endswith("@aplus.localhost")
    assert parse_verp(received.mail_from, relay_settings.secret) == outbox_id
    assert without_signature(received.data) == raw
    row = outbox_row(database, outbox_id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None


def test_bare_line_feeds_leave_as_crlf_and_leading_dots_survive(database, relay_settings, sink):
    raw = b"Subject: points\nMessage-ID: <dots@aplus.localhost>\n\n.ligne qui commence par un point\n.\nfin"
    queue_mail(database, "awa.diallo@caf13.example", raw)

    deliver(database, relay_settings)

    [received] = sink.wait_for(1)
    assert without_signature(received.data) == raw.replace(b"\n", b"\r\n") + b"\r\n"


def test_one_connection_serves_a_batch_and_each_mail_goes_to_its_recipient(database, relay_settings, sink):
    recipients = [f"agent{n}@cpam.example" for n in range(5)]
    ids = [queue_mail(database, recipient) for recipient in recipients]

    report = deliver(database, relay_settings, batch=3)
    assert report.sent == ids[:3]
    report = deliver(database, relay_settings, batch=3)
    assert report.sent == ids[3:]

    received = sink.wait_for(5)
    assert sorted(r.rcpt_tos[0] for r in received) == recipients
    assert deliver(database, relay_settings).attempted == 0


def test_relay_down_then_up_delivers_exactly_once(database, relay_settings):
    relay_settings = replace(relay_settings, relay_port=free_port())  # nothing listens there
    outbox_id = queue_mail(database)
    start = utcnow()

    report = deliver(database, relay_settings, now=start)  # nothing listens on the port yet

    assert report.deferred == [outbox_id]
    row = outbox_row(database, outbox_id)
    assert row.state == "queued" and row.attempts == 1
    assert "injoignable" in row.last_error
    assert deliver(database, relay_settings, now=start).attempted == 0  # not due before the backoff

    sink = SmtpSink(port=relay_settings.relay_port).start()
    try:
        later = row.next_attempt_at
        assert deliver(database, relay_settings, now=later).sent == [outbox_id]
        assert deliver(database, relay_settings, now=later + timedelta(days=1)).attempted == 0
        assert len(sink.wait_for(1)) == 1
        assert len(sink.received) == 1
    finally:
        sink.stop()
    assert outbox_row(database, outbox_id).state == "sent"


def test_temporary_refusals_back_off_exponentially_then_deliver_once(database, relay_settings, sink):
    outbox_id = queue_mail(database)
    base = relay_settings.retry_base_seconds
    sink.handler.refuse_with = TRY_LATER
    now = utcnow()

    delays = []
    for _ in range(3):
        report = deliver(database, relay_settings, now=now)
        assert report.deferred == [outbox_id]
        row = outbox_row(database, outbox_id)
        assert row.state == "queued"
        assert "451 4.3.0" in row.last_error
        delays.append((row.next_attempt_at - now).total_seconds())
        now = row.next_attempt_at

    for n, delay in enumerate(delays):
        assert base * 2**n * (1 - JITTER) <= delay <= base * 2**n
    assert sink.handler.refused == 3 and sink.received == []

    sink.handler.refuse_with = None
    assert deliver(database, relay_settings, now=now).sent == [outbox_id]
    assert deliver(database, relay_settings, now=now + timedelta(days=1)).attempted == 0
    assert len(sink.wait_for(1)) == 1
    row = outbox_row(database, outbox_id)
    assert (row.state, row.attempts, row.last_error) == ("sent", 4, "")


def test_backoff_is_capped(database, relay_settings, sink):
    outbox_id = queue_mail(database, attempts=12)  # 60 s * 2**12 is far above the one-hour cap
    sink.handler.refuse_with = TRY_LATER
    now = utcnow()

    deliver(database, relay_settings, now=now)

    delay = (outbox_row(database, outbox_id).next_attempt_at - now).total_seconds()
    cap = relay_settings.retry_max_seconds
    assert cap * (1 - JITTER) <= delay <= cap


def test_permanent_refusal_fails_at_once_with_the_relay_answer(database, relay_settings, sink):
    outbox_id = queue_mail(database)
    sink.handler.refuse_with = NO_SUCH_USER

    report = deliver(database, relay_settings)

    assert report.failed == [outbox_id]
    row = outbox_row(database, outbox_id)
    assert (row.state, row.attempts) == ("failed", 1)
    assert "550 5.1.1 Utilisateur inconnu" in row.last_error
    assert deliver(database, relay_settings, now=utcnow() + timedelta(days=3)).attempted == 0
    assert sink.handler.refused == 1


def test_a_refused_mail_does_not_stop_the_batch(database, relay_settings, sink):
    first, second = queue_mail(database), queue_mail(database, "marc@francetravail.example")
    sink.handler.refuse_with = NO_SUCH_USER
    report = deliver(database, relay_settings, batch=1)
    assert report.failed == [first]

    sink.handler.refuse_with = None
    assert deliver(database, relay_settings).sent == [second]


def test_temporary_failures_past_the_retry_window_fail_the_mail(database, relay_settings, sink):
    now = utcnow()
    window = timedelta(seconds=relay_settings.retry_for_seconds)
    outbox_id = queue_mail(database, created_at=now - window - timedelta(seconds=1), next_attempt_at=now)
    sink.handler.refuse_with = TRY_LATER

    report = deliver(database, relay_settings, now=now)

    assert report.failed == [outbox_id]
    row = outbox_row(database, outbox_id)
    assert row.state == "failed"
    assert "451 4.3.0" in row.last_error and "abandon" in row.last_error


def test_the_last_retry_happens_at_the_end_of_the_window(database, relay_settings, sink):
    now = utcnow()
    window = timedelta(seconds=relay_settings.retry_for_seconds)
    created = now - window + timedelta(seconds=10)  # ten seconds left, backoff is a minute
    outbox_id = queue_mail(database, created_at=created, next_attempt_at=now)
    sink.handler.refuse_with = TRY_LATER

    assert deliver(database, relay_settings, now=now).deferred == [outbox_id]
    last_try = outbox_row(database, outbox_id).next_attempt_at
    assert last_try == created + window

    assert deliver(database, relay_settings, now=last_try).failed == [outbox_id]
    assert sink.handler.refused == 2


def test_invalid_recipient_is_failed_without_talking_smtp(database, relay_settings, sink):
    outbox_id = queue_mail(database, "victime@example.org\r\nRCPT TO:<autre@example.org>", raw=mail_bytes("x@example.org"))

    assert deliver(database, relay_settings).failed == [outbox_id]
    assert "adresse invalide" in outbox_row(database, outbox_id).last_error
    assert sink.received == []


def test_received_mail_is_the_queued_message(database, relay_settings, sink):
    raw = mail_bytes("awa.diallo@caf13.example", subject="Été : dossier RSA")
    queue_mail(database, "awa.diallo@caf13.example", raw)

    deliver(database, relay_settings)

    [received] = sink.wait_for(1)
    original = message_from_bytes(raw, policy=policy.default)
    assert received.message["Message-ID"] == original["Message-ID"]
    assert received.message["Subject"] == "Été : dossier RSA"


def test_an_internationalised_address_needs_a_relay_with_smtputf8(database, relay_settings):
    sink = SmtpSink(enable_SMTPUTF8=False).start()  # aiosmtpd's Controller enables it by default
    try:
        settings = replace(relay_settings, relay_port=sink.port)
        outbox_id = queue_mail(database, "élodie@exemple.fr", raw=mail_bytes("x@example.org"))
        assert deliver(database, settings).failed == [outbox_id]
        assert "SMTPUTF8" in outbox_row(database, outbox_id).last_error
        assert sink.received == []
    finally:
        sink.stop()


def test_an_internationalised_address_goes_through_a_relay_with_smtputf8(database, relay_settings, sink):
    outbox_id = queue_mail(database, "élodie@exemple.fr", raw=mail_bytes("x@example.org"))

    assert deliver(database, relay_settings).sent == [outbox_id]
    assert sink.wait_for(1)[0].rcpt_tos == ["élodie@exemple.fr"]
