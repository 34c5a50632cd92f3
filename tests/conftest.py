"""Fixtures shared by the whole suite.

``database`` runs a test on SQLite and on PostgreSQL (when DATABASE_URL
points to one; in CI it must). ``settings`` gives an isolated data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from gateway.config import load_settings
from tests.support.databases import fresh_database
from tests.support.dns_server import DnsServer
from tests.support.smtp_sink import SmtpSink

SHARED_CORPORA = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request, tmp_path):
    """An empty database with the current schema, on each backend."""
    with fresh_database(request.param, tmp_path) as database:
        yield database


@pytest.fixture(scope="session", autouse=True)
def quiet_dns():
    """The DNS every test and ``aplus`` subprocess asks (no network here): it knows no name.

    A domain without records has no DMARC policy, so authentication gives no
    verdict and the envelope sender decides, as on a machine without DNS but
    without waiting for timeouts. Tests that need records use ``dns``.
    """
    server = DnsServer().start()
    previous = os.environ.get("APLUS_DNS_SERVERS")
    os.environ["APLUS_DNS_SERVERS"] = server.address
    yield server
    if previous is None:
        os.environ.pop("APLUS_DNS_SERVERS", None)
    else:
        os.environ["APLUS_DNS_SERVERS"] = previous
    server.stop()


@pytest.fixture
def dns():
    """A DNS server of this test's own, serving the records it adds (see tests/support/dns_server.py)."""
    server = DnsServer().start()
    yield server
    server.stop()


@pytest.fixture
def settings(tmp_path, database, quiet_dns):
    """Settings for one test: own data folder, own database, fixed secret."""
    return load_settings(
        environ={},
        data_dir=tmp_path / "var",
        database_url=str(database.engine.url.render_as_string(hide_password=False)),
        secret_key="test-secret-key",
        dns_servers=quiet_dns.address,
    )


@pytest.fixture
def sink():
    """A real SMTP server standing for the relay host (see tests/support/smtp_sink.py)."""
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def corpora() -> Path:
    """The shared public email corpora; the test is skipped when absent."""
    if not SHARED_CORPORA.is_dir():
        pytest.skip("../shared/corpora is not present next to the repository")
    return SHARED_CORPORA


@pytest.fixture
def postgres_database(tmp_path):
    """An empty PostgreSQL database, for what only PostgreSQL does (SKIP LOCKED)."""
    with fresh_database("postgres", tmp_path) as database:
        yield database
