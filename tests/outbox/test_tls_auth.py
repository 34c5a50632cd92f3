"""STARTTLS with certificate verification and AUTH, against a real aiosmtpd relay."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from gateway.outbound.outbox import deliver_due
from gateway.outbound.transports import RelayTransport
from tests.outbox.conftest import outbox_row, queue_mail
from tests.support.smtp_sink import SmtpSink

USERNAME, PASSWORD = "passerelle", "mot-de-passe-du-relais"


class Authenticator:
    """aiosmtpd authenticator that knows one account and notes the mechanisms used."""

    def __init__(self) -> None:
        self.mechanisms: list[str] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.mechanisms.append(mechanism)
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == USERNAME.encode() and auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def tls_relay(certificate):
    """Start a relay demanding STARTTLS then AUTH; yields (sink, authenticator)."""
    started = []

    def start(only_mechanism: str = "PLAIN"):
        authenticator = Authenticator()
        sink = SmtpSink(
            tls_context=certificate.server_context(),
            require_starttls=True,
            auth_required=True,
            authenticator=authenticator,
            auth_exclude_mechanism=[m for m in ("PLAIN", "LOGIN") if m != only_mechanism],
        ).start()
        started.append(sink)
        return sink, authenticator

    yield start
    for sink in started:
        sink.stop()


def tls_settings(settings, sink, password=PASSWORD):
    return replace(
        settings, delivery="relay", relay_host=sink.host, relay_port=sink.port, relay_timeout=5.0,
        relay_starttls=True, relay_username=USERNAME, relay_password=password,
    )


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_starttls_then_auth_delivers(database, settings, certificate, tls_relay, mechanism):
    sink, authenticator = tls_relay(mechanism)
    settings = tls_settings(settings, sink)
    outbox_id = queue_mail(database)

    report = deliver_due(database, settings, RelayTransport(settings, ssl_context=certificate.client_context()))

    assert report.sent == [outbox_id]
    assert len(sink.wait_for(1)) == 1
    assert authenticator.mechanisms == [mechanism]


def test_an_untrusted_certificate_sends_nothing_and_retries_later(database, settings, tls_relay):
    sink, _ = tls_relay()
    settings = tls_settings(settings, sink)
    outbox_id = queue_mail(database)

    report = deliver_due(database, settings, RelayTransport(settings))  # system CAs do not know it

    assert report.deferred == [outbox_id]
    assert "CERTIFICATE_VERIFY_FAILED" in outbox_row(database, outbox_id).last_error
    assert sink.received == []


def test_a_wrong_password_is_a_configuration_error_not_a_refused_mail(database, settings, certificate, tls_relay):
    sink, _ = tls_relay()
    settings = tls_settings(settings, sink, password="pas le bon")
    outbox_id = queue_mail(database)

    report = deliver_due(database, settings, RelayTransport(settings, ssl_context=certificate.client_context()))

    assert report.deferred == [outbox_id]
    row = outbox_row(database, outbox_id)
    assert row.state == "queued" and "535" in row.last_error
    assert sink.received == []


def test_starttls_required_but_not_offered_sends_nothing_in_clear(database, settings, sink):
    settings = replace(settings, delivery="relay", relay_host=sink.host, relay_port=sink.port, relay_starttls=True)
    outbox_id = queue_mail(database)

    report = deliver_due(database, settings, RelayTransport(settings))

    assert report.deferred == [outbox_id]
    assert "STARTTLS" in outbox_row(database, outbox_id).last_error
    assert sink.received == []
