"""Every delivery report is kept with its participant and outbound mail, permanent or not."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from gateway.models import Bounce, OutboundMail, Participant
from gateway.outbound.outbox import deliver_due
from gateway.outbound.transports import RelayTransport
from gateway.processing.processor import drain
from gateway.storage import spool
from tests.mailflow.test_automatic import dsn_for
from tests.support.gateway import AWA, request_mail


@pytest.fixture
def delivered(directory, settings, sink):
    """A request processed and its mails relayed to the sink; returns (settings, the mail Awa got)."""
    settings = replace(settings, delivery="relay", relay_host=sink.host, relay_port=sink.port, relay_timeout=5.0)
    spool.enqueue(directory, request_mail().as_bytes(), rcpt_tos=[settings.address])
    drain(directory, settings)
    deliver_due(directory, settings, RelayTransport(settings))
    return settings, sink.to(AWA)[0]


@pytest.mark.parametrize("status, action, permanent", [("5.1.1", "failed", True), ("4.4.1", "delayed", False)])
def test_a_report_is_recorded_with_its_participant_and_outbound_mail(directory, delivered, status, action, permanent):
    settings, to_awa = delivered
    spool.enqueue(directory, dsn_for(to_awa, status=status, action=action), rcpt_tos=[to_awa.mail_from])
    drain(directory, settings)
    with directory.begin() as session:
        bounce = session.scalars(select(Bounce)).one()
        outbound = session.get_one(OutboundMail, bounce.outbound_id)
        participant = session.get_one(Participant, bounce.participant_id)
        assert (outbound.recipient, participant.email, bounce.recipient) == (AWA, AWA, AWA)
        assert (bounce.status, bounce.action, bounce.permanent) == (status, action, permanent)
        assert bounce.ticket_id == outbound.ticket_id and participant.bouncing is permanent
