"""Through IMAP to a ticket; in a mailbox shared with people, our own mail is never answered."""

from __future__ import annotations

import pytest

from tests.imap.conftest import imap_settings, poller_for
from tests.mailflow.test_automatic import dsn_for
from tests.support.gateway import AWA, MARIE, GatewayHarness, gateway_settings, request_mail, small_directory

pytestmark = pytest.mark.slow


@pytest.fixture
def gateway(database, settings, sink, dovecot):
    settings = imap_settings(gateway_settings(settings, sink), dovecot)
    small_directory(database, settings)
    harness = GatewayHarness(database, settings, sink).start()
    yield harness
    harness.stop()


def test_a_request_in_the_mailbox_opens_a_ticket_and_is_acknowledged(gateway, dovecot):
    dovecot.append(request_mail().as_bytes())

    poller_for(gateway.database, gateway.settings).poll_once()
    gateway.wait_settled()

    (ticket,) = gateway.tickets()
    assert gateway.sink.to(MARIE) and gateway.sink.to(AWA)
    assert gateway.inbound()[0].source == "imap" and gateway.inbound()[0].ticket_id == ticket.id


def test_copies_of_our_mail_and_bounces_landing_in_the_mailbox_are_never_answered(gateway, dovecot):
    gateway.send(request_mail())
    gateway.wait_settled()
    acknowledgement, to_awa = gateway.sink.to(MARIE)[0], gateway.sink.to(AWA)[0]
    sent_before = len(gateway.sink.received)
    dovecot.append(acknowledgement.data)  # a copy of what the gateway sent, as a shared mailbox gets it
    dovecot.append(dsn_for(to_awa))  # the bounce of a mail the gateway sent

    report = poller_for(gateway.database, gateway.settings).poll_once()
    gateway.wait_settled()

    assert report.stored == 2
    assert len(gateway.sink.received) == sent_before  # nothing answered, nothing relayed
    assert len(gateway.tickets()) == 1
    own, bounce = gateway.inbound()[-2:]
    assert own.outcome.startswith("our own mail came back")
    assert bounce.outcome.startswith("bounce for outbound")
