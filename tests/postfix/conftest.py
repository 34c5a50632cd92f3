"""A gateway behind a real Postfix: LMTP (TCP or socket) or pipe into the gateway, relay back out through it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.support.gateway import GatewayHarness, gateway_settings, small_directory
from tests.support.postfix import Postfix
from tests.support.smtp_sink import free_port


@pytest.fixture
def behind_postfix(database, settings, sink):
    """(gateway harness speaking LMTP on a TCP port, the Postfix in front of it relaying out to ``sink``)."""
    lmtp_port = free_port()
    postfix = Postfix(sink_port=sink.port, lmtp_port=lmtp_port, transport="lmtp-inet").start()
    settings = replace(gateway_settings(settings, sink), lmtp=True, smtp_port=lmtp_port,
                       relay_host="127.0.0.1", relay_port=postfix.smtp_port)
    small_directory(database, settings)
    harness = GatewayHarness(database, settings, sink).start()
    yield harness, postfix
    harness.stop()
    postfix.close()
