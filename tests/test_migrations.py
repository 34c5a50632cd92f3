"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect

from gateway.storage.db import Database, alembic_config, upgrade
from tests.support.databases import postgres_schema, sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
    else:
        with postgres_schema() as url:
            yield url


def test_upgrade_creates_every_table_and_matches_the_models(empty_url):
    upgrade(empty_url)
    database = Database.connect(empty_url)
    tables = set(inspect(database.engine).get_table_names())
    database.dispose()
    assert {"tickets", "participants", "messages", "inbound_mail", "outbound_mail", "groups", "agents"} <= tables
    # alembic check raises when the models and the migrations disagree
    command.check(alembic_config(empty_url))


def test_upgrade_twice_is_harmless(empty_url):
    upgrade(empty_url)
    upgrade(empty_url)
