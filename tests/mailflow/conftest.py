from __future__ import annotations

import pytest

from tests.support.gateway import GatewayHarness, gateway_settings, small_directory


@pytest.fixture
def gateway(database, settings, sink):
    """A running gateway (SMTP, processor, delivery) relaying to ``sink``."""
    settings = gateway_settings(settings, sink)
    small_directory(database, settings)
    harness = GatewayHarness(database, settings, sink).start()
    yield harness
    harness.stop()
