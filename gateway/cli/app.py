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
    try:
        settings = load_settings()
    except Exception as error:  # noqa: BLE001 - a command answers a broken set-up with a sentence
        click.echo(describe_setup_error(error), err=True)
        ctx.exit(SETUP_FAILURE_EXIT.get(ctx.invoked_subcommand or "", 1))
    compression.configure(settings.raw_compression)
    ctx.obj = {"settings": settings, "database": _LazyDatabase(settings)}


#: Exit code per command when the settings cannot be loaded (``aplus ingest``: 75, the MTA retries).
SETUP_FAILURE_EXIT: dict[str, int] = {}


def describe_setup_error(error: BaseException) -> str:
    """One French sentence for settings that cannot be loaded."""
    if isinstance(error, PermissionError):
        return (f"Configuration impossible : accès refusé à {error.filename or 'un fichier'} (la clé secrète est créée "
                "dans le dossier de données au premier lancement). Donnez à cet utilisateur le droit d'y écrire, "
                "ou fixez APLUS_SECRET_KEY.")
    if isinstance(error, OSError):
        return f"Configuration impossible : {error.strerror or error.__class__.__name__} ({error.filename or ''})."
    return f"Configuration illisible : {str(error)[:200] or error.__class__.__name__}. Vérifiez les variables APLUS_* et aplus.toml."


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
