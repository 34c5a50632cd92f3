"""The ``aplus`` command group and what every command shares (settings, a lazy database).

Every command builds its settings and database explicitly from the
environment (see ``gateway.config``) and passes them down; messages for the
person at the terminal are in French.
"""

from __future__ import annotations

import logging

import click

from gateway.config import load_settings
from gateway.storage import compression
from gateway.storage.db import Database

@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Journal détaillé.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """A+ passerelle : la passerelle e-mail du service public A+."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:  # aiosmtpd logs every SMTP command line at INFO, Alembic each of its plugins
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    settings = load_settings()
    compression.configure(settings.raw_compression)
    ctx.obj = {"settings": settings, "database": _LazyDatabase(settings)}


class _LazyDatabase:
    """Connect on first use, so ``aplus explain`` works without a database."""

    def __init__(self, settings) -> None:
        self._settings = settings
        self._database: Database | None = None

    def __getattr__(self, name):
        if self._database is None:
            self._database = Database.connect(self._settings.effective_database_url)
        return getattr(self._database, name)


def _database(ctx: click.Context) -> Database:
    return ctx.obj["database"]
