"""``aplus db``: the schema, and what every long-running command prepares first."""

from __future__ import annotations

import click

from gateway.cli.app import main
from gateway.storage.db import upgrade

@main.group()
def db() -> None:
    """Base de données."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Crée ou met à jour le schéma (migrations Alembic)."""
    settings = ctx.obj["settings"]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    click.echo("Base de données à jour.")


def prepare(settings, database) -> dict:
    """Schema up to date, reference data present, demo directory when empty."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    from routing.reference_data import load_demo_directory, seed_reference_data

    with database.begin() as session:
        seed_reference_data(session)
        created = load_demo_directory(session, default_group=settings.default_group)
    return created if isinstance(created, dict) else {"created": created}
