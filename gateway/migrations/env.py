"""Alembic environment: the gateway's models are the target metadata."""

from alembic import context

from gateway.storage.db import make_engine
from gateway.models import Base
from gateway.models.search import SEARCH_OBJECTS

config = context.config


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave the full-text search objects (raw DDL, see gateway/models/search.py) out of the comparison."""
    return name not in SEARCH_OBJECTS


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
