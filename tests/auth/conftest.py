"""Fixtures for authentication tests: a gateway whose DNS is this test's own server.

Senders' domains publish DKIM keys, SPF and DMARC records in ``dns``
(tests/support/dns_server.py); ``signer`` signs inbound mail with DKIM as a
sender's provider would.
"""

from __future__ import annotations

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support.gateway import GatewayHarness, gateway_settings, small_directory


@pytest.fixture
def gateway(database, settings, sink, dns):
    """A running gateway relaying to ``sink``, asking ``dns`` for authentication."""
    settings = gateway_settings(settings, sink, dns_servers=dns.address, dns_timeout=1.0,
                                trusted_forwarder_domains="franceservices.example")
    small_directory(database, settings)
    harness = GatewayHarness(database, settings, sink).start()
    yield harness
    harness.stop()


class Signer:
    """A sender domain's DKIM key, published in the test DNS."""

    def __init__(self, dns, domain: str, selector: str = "s1") -> None:
        self.domain, self.selector = domain, selector
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                         serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        dns.txt(f"{selector}._domainkey.{domain}", f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}")

    def sign(self, raw: bytes) -> bytes:
        signature = dkim.sign(raw, self.selector.encode(), self.domain.encode(), self.private,
                              include_headers=[b"from", b"to", b"subject", b"message-id", b"in-reply-to"])
        return signature + raw


@pytest.fixture
def signer_for(dns):
    return lambda domain: Signer(dns, domain)
