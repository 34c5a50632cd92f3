"""PostgreSQL connections that died in the pool: found by the idle ping, or failing once, cleanly.

The backend of a pooled connection is terminated with ``pg_terminate_backend``
as a server restart would, on the real server.
"""

from __future__ import annotations

import smtplib
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from gateway.storage import db as db_module
from gateway.config import load_settings
from gateway.storage.db import Database
from gateway.models import InboundMail
from gateway.inbound.smtp import GatewayController
from tests.support.gateway import MARIE, request_mail
from tests.support.smtp_sink import free_port

pytestmark = pytest.mark.postgres


def url_of(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def backend_pid(database: Database) -> int:
    with database.transaction() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(database: Database, pid: int) -> None:
    admin = create_engine(url_of(database), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            assert connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
            for _ in range(100):  # until the server has really let it go
                if not connection.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                          {"pid": pid}).scalar_one():
                    break
                time.sleep(0.02)
    finally:
        admin.dispose()


@pytest.fixture
def one_connection(postgres_database, monkeypatch):
    """A database whose pool holds a single connection, pinged after ``idle_seconds``."""
    made: list[Database] = []

    def connect(idle_seconds: float) -> Database:
        monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", idle_seconds)
        made.append(Database.connect(url_of(postgres_database), pool_size=1, max_overflow=0))
        return made[-1]

    yield connect
    for database in made:
        database.dispose()


def test_a_connection_that_died_while_idle_is_replaced_before_use(one_connection):
    database = one_connection(idle_seconds=0.05)
    dead = backend_pid(database)
    terminate(database, dead)
    time.sleep(0.1)  # idle longer than the threshold: the checkout pings
    assert backend_pid(database) != dead  # the unit of work ran, on a new connection


def test_a_connection_that_died_while_busy_fails_once_then_the_pool_recovers(one_connection):
    database = one_connection(idle_seconds=3600)
    dead = backend_pid(database)
    terminate(database, dead)
    with pytest.raises(OperationalError):  # no ping within the second: the statement finds out
        backend_pid(database)
    assert backend_pid(database) != dead


def test_the_receiver_answers_451_for_a_dead_connection_and_the_retry_is_stored_once(one_connection, tmp_path):
    database = one_connection(idle_seconds=3600)
    settings = load_settings(environ={}, data_dir=tmp_path / "var", database_url=url_of(database),
                             secret_key="test-secret-key", smtp_port=free_port())
    controller = GatewayController(database, settings)
    controller.start()
    try:
        raw = request_mail().as_bytes()
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as client:
            client.sendmail(MARIE, [settings.address], raw)  # the spool writer's connection is now pooled
            terminate(database, backend_pid(database))
            with pytest.raises(smtplib.SMTPDataError) as refused:
                client.sendmail(MARIE, [settings.address], raw)
            assert refused.value.smtp_code == 451
            client.sendmail(MARIE, [settings.address], raw)  # the sender's retry
    finally:
        controller.stop()
    with database.begin() as session:
        assert len(session.scalars(select(InboundMail)).all()) == 2  # the first mail and the retry, once each
