"""The ``aplus`` command group and what every command shares (settings, a lazy database).

Every command builds its settings and database explicitly from the
environment (see ``gateway.config``) and passes them down; messages for the
person at the terminal are in French.

Errors a person can cause (a missing file, no database or one not migrated,
PostgreSQL unreachable, a setting with a bad value) are answered by one
handler here, ``AplusGroup.invoke``, with a French sentence and exit code 1,
never a traceback; ``--verbose`` adds the traceback to the log for the
developer. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import logging
from dataclasses import fields
from pathlib import Path

import click

from gateway.config import PREFIX, Settings, load_settings
from gateway.storage import compression
from gateway.storage.db import Database

log = logging.getLogger(__name__)


class UserError(click.ClickException):
    """A mistake the person at the terminal can fix, told in French."""

    def show(self, file=None) -> None:  # noqa: ARG002  (click's signature)
        click.echo(f"Erreur : {self.message}", err=True)


def _safe_url(url: str) -> str:
    """A database URL without its password, to show in a message."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _file_of(error: OSError) -> str:
    return str(error.filename) if error.filename else ""


def french_message(error: BaseException, settings: Settings | None = None) -> str | None:
    """The French sentence for an error a user can cause, or None for a bug."""
    from sqlalchemy import exc as sa

    url = _safe_url(settings.effective_database_url) if settings is not None else "la base configurée"
    if isinstance(error, sa.DBAPIError):
        text = str(getattr(error, "orig", error)).lower()
        if "no such table" in text or "does not exist" in text and "relation" in text or "undefinedtable" in text:
            return f"La base de données {url} n'est pas à jour (tables absentes) : lancez « aplus db upgrade »."
        if isinstance(error, (sa.OperationalError, sa.InterfaceError)):
            first_line = str(getattr(error, "orig", error)).strip().splitlines()[0] if str(error).strip() else ""
            return (
                f"Base de données injoignable ({url}) : {first_line}. Vérifiez APLUS_DATABASE_URL et que le "
                "serveur de base de données est lancé."
            )
        return None
    if isinstance(error, sa.ArgumentError):
        return f"Adresse de base de données invalide ({url}) : vérifiez APLUS_DATABASE_URL."
    if isinstance(error, ConnectionRefusedError):
        return "Connexion refusée : la passerelle (« aplus run ») ou le serveur visé est-il lancé ?"
    if isinstance(error, FileNotFoundError):
        return f"Fichier ou dossier introuvable : {_file_of(error) or error}."
    if isinstance(error, IsADirectoryError):
        return f"C'est un dossier, pas un fichier : {_file_of(error)}."
    if isinstance(error, PermissionError):
        return f"Accès refusé : {_file_of(error) or error}. Vérifiez les droits sur ce fichier ou ce dossier."
    if isinstance(error, OSError) and error.filename:
        return f"Impossible d'utiliser {_file_of(error)} : {error.strerror or error}."
    return None


class AplusGroup(click.Group):
    """The command group, with the one handler for user-caused errors."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except Exception as error:
            obj = ctx.obj if isinstance(ctx.obj, dict) else {}
            message = french_message(error, obj.get("settings"))
            if message is None:
                raise
            log.debug("user-caused error", exc_info=True)
            raise UserError(message) from None


def _bad_setting_message(error: Exception) -> str:
    """Name the setting whose value cannot be read, when one can be found."""
    import os

    kinds = {f.name: f.type for f in fields(Settings) if f.name != "extra"}
    for name, kind in kinds.items():
        value = os.environ.get(PREFIX + name.upper())
        if value is None:
            continue
        try:
            if kind in (int, "int"):
                int(value)
            elif kind in (float, "float"):
                float(value)
        except ValueError:
            expected = "un nombre entier" if kind in (int, "int") else "un nombre"
            return f"Réglage invalide : {PREFIX}{name.upper()}={value!r} doit être {expected}."
    return f"Réglage invalide : {error}."


@click.group(cls=AplusGroup)
@click.option("-v", "--verbose", is_flag=True, help="Journal détaillé.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """A+ passerelle : la passerelle e-mail du service public A+."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:  # aiosmtpd logs every SMTP command line at INFO, Alembic each of its plugins
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
        logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    exit_code = SETUP_FAILURE_EXIT.get(ctx.invoked_subcommand or "", 1)  # ingest: 75, so the MTA keeps the mail
    try:
        settings = load_settings()
    except (ValueError, TypeError) as error:
        click.echo(f"Erreur : {_bad_setting_message(error)}", err=True)
        ctx.exit(exit_code)
    except Exception as error:  # noqa: BLE001 - a command answers a broken set-up with a sentence
        click.echo(describe_setup_error(error), err=True)
        ctx.exit(exit_code)
    compression.configure(settings.raw_compression)
    ctx.obj = {"settings": settings, "database": _LazyDatabase(settings)}


#: Exit code per command when the settings cannot be loaded (``aplus ingest``: 75, the MTA retries).
SETUP_FAILURE_EXIT: dict[str, int] = {}


_OS_ERRORS_FR = {
    errno.ENOTDIR: "un fichier se trouve là où un dossier est attendu",
    errno.ENOENT: "introuvable",
    errno.EACCES: "accès refusé",
    errno.EROFS: "système de fichiers en lecture seule",
    errno.ENOSPC: "plus de place sur le disque",
}


def describe_setup_error(error: BaseException) -> str:
    """One French sentence for settings that cannot be loaded."""
    if isinstance(error, PermissionError):
        return (f"Configuration impossible : accès refusé à {error.filename or 'un fichier'} (la clé secrète est créée "
                "dans le dossier de données au premier lancement). Donnez à cet utilisateur le droit d'y écrire, "
                "ou fixez APLUS_SECRET_KEY.")
    if isinstance(error, OSError):
        why = _OS_ERRORS_FR.get(error.errno, error.strerror or error.__class__.__name__)
        return f"Configuration impossible : {error.filename or 'le dossier de données'} : {why}."
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


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def database_state(settings: Settings) -> str:
    """"absent", "unmigrated", "unreachable" or "ready", creating nothing.

    SQLite creates its file on connect, so a missing file is looked for first.
    The schema is "ready" at Alembic's latest revision, or, without any
    revision recorded (a schema made by ``create_all``, as tests do), when
    every table of the models is there.
    """
    url = settings.effective_database_url
    path = _sqlite_path(url)
    if path is not None and not path.exists():
        return "absent"
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import exc as sa
    from sqlalchemy import inspect

    from gateway.models import Base
    from gateway.storage.db import alembic_config, make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
            tables = set(inspect(connection).get_table_names()) if not current else set()
    except sa.DBAPIError:
        return "unreachable"
    finally:
        engine.dispose()
    if not current:
        return "ready" if tables and set(Base.metadata.tables) <= tables else "unmigrated"
    heads = ScriptDirectory.from_config(alembic_config(url)).get_heads()
    return "ready" if set(current) == set(heads) else "unmigrated"


def read_only_database(ctx: click.Context) -> Database | None:
    """The database for a command that only reads, or None (said on stderr).

    A read-only command never creates a database: without one it works as
    with ``--no-db``; with one not migrated it says to run ``aplus db upgrade``.
    """
    settings = ctx.obj["settings"]
    state = database_state(settings)
    if state == "ready":
        return _database(ctx)
    url = _safe_url(settings.effective_database_url)
    reason = {
        "absent": f"pas de base de données ({url})",
        "unmigrated": f"la base de données {url} n'est pas à jour, lancez « aplus db upgrade »",
        "unreachable": f"base de données injoignable ({url})",
    }[state]
    click.echo(f"Remarque : {reason} ; poursuite sans base, comme avec --no-db.", err=True)
    return None


def existing_database(ctx: click.Context) -> Database:
    """The database for a command that needs one and only reads: never created here."""
    settings = ctx.obj["settings"]
    state = database_state(settings)
    url = _safe_url(settings.effective_database_url)
    if state == "absent":
        raise UserError(f"pas de base de données ({url}) : lancez « aplus db upgrade » pour la créer.")
    if state == "unmigrated":
        raise UserError(f"la base de données {url} n'est pas à jour : lancez « aplus db upgrade ».")
    if state == "unreachable":
        raise UserError(f"base de données injoignable ({url}) : vérifiez APLUS_DATABASE_URL et que le serveur est lancé.")
    return _database(ctx)
