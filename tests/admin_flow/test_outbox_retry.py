""""Retry now" on the outbox: failed and deferred mail goes again, a mail being sent is left alone."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from gateway.models import AuditEvent, OutboundMail, utcnow
from gateway.outbound.outbox import deliver_due
from gateway.outbound.retry import RetryError, retry_now
from gateway.outbound.transports import RelayTransport


@pytest.fixture
def relay(settings, sink):
    """Settings and a transport that deliver to the real SMTP sink."""
    relayed = replace(settings, delivery="relay", relay_host=sink.host, relay_port=sink.port, relay_timeout=5.0)
    return relayed, RelayTransport(relayed)


def queued_mail(database, recipient: str = "awa.diallo@caf13.example") -> int:
    with database.begin() as session:
        row = OutboundMail(dedup_key=f"test:{recipient}", recipient=recipient, raw=b"Subject: x\r\n\r\nx\r\n")
        session.add(row)
        session.flush()
        return row.id


def test_a_failed_mail_is_sent_again_after_retry_now(database, relay, sink):
    settings, transport = relay
    outbound_id = queued_mail(database)
    sink.handler.refuse_with = "550 5.1.1 utilisateur inconnu"
    deliver_due(database, settings, transport)
    with database.begin() as session:
        assert session.get_one(OutboundMail, outbound_id).state == "failed"
        retry_now(session, outbound_id, actor="admin@aplus.example", client_address="192.0.2.7")
    sink.handler.refuse_with = None
    report = deliver_due(database, settings, transport)
    assert report.sent == [outbound_id] and [r.rcpt_tos for r in sink.received] == [["awa.diallo@caf13.example"]]
    with database.begin() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "outbox.retry")).one()
        assert event.details["previous_state"] == "failed" and "550" in event.details["last_error"]
        assert (event.actor, event.details["client_address"]) == ("admin@aplus.example", "192.0.2.7")


def test_a_deferred_mail_becomes_due_at_once(database, relay, sink):
    settings, transport = replace(relay[0], retry_base_seconds=3600), relay[1]
    outbound_id = queued_mail(database)
    sink.handler.refuse_with = "451 4.3.0 try later"
    deliver_due(database, settings, transport)
    sink.handler.refuse_with = None
    with database.begin() as session:
        row = session.get_one(OutboundMail, outbound_id)
        assert row.state == "queued" and row.next_attempt_at > utcnow() + timedelta(minutes=30)
        retry_now(session, outbound_id, actor="admin")
    assert deliver_due(database, settings, transport).sent == [outbound_id]


def test_a_mail_never_tried_or_being_sent_is_left_alone(database, settings):
    outbound_id = queued_mail(database)
    with pytest.raises(RetryError, match="déjà en cours d'envoi"):
        with database.begin() as session:
            retry_now(session, outbound_id, actor="admin")


def test_a_sent_mail_is_not_sent_twice(database, relay):
    settings, transport = relay
    outbound_id = queued_mail(database)
    deliver_due(database, settings, transport)
    with pytest.raises(RetryError, match="déjà été envoyé"):
        with database.begin() as session:
            retry_now(session, outbound_id, actor="admin")
    with pytest.raises(RetryError, match="Aucun message sortant n° 4242"):
        with database.begin() as session:
            retry_now(session, 4242, actor="admin")
