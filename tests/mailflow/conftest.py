from __future__ import annotations

import pytest

from tests.support.gateway import GatewayHarness, gateway_settings, small_directory


@pytest.fixture
def gateway(database, settings, sink):
    """A running gateway (SMTP, processor, delivery) relaying to ``sink``.

    France Services staff of ``franceservices.example`` are trusted forwarders, as a deployment would set.
    """
    settings = gateway_settings(settings, sink, trusted_forwarder_domains="franceservices.example")
    small_directory(database, settings)
    harness = GatewayHarness(database, settings, sink).start()
    yield harness
    harness.stop()
