"""``aplus admin``: serve the oversight admin, and manage its accounts from the terminal.

``aplus admin`` alone serves it on APLUS_ADMIN_HOST:APLUS_ADMIN_PORT.
``aplus admin create-user EMAIL --role ... --password-stdin`` reads the
password from standard input only, never from the command line (argv is
visible to every user of the machine in ``ps``).
"""

from __future__ import annotations

import sys
import threading

import click
from sqlalchemy import func, or_, select

from gateway.cli.app import _database, main

ROLES = ("admin", "manager", "observer")


@main.group(invoke_without_command=True)
@click.pass_context
def admin(ctx: click.Context) -> None:
    """Administration web (Flask, servie par waitress) et ses comptes."""
    if ctx.invoked_subcommand is not None:
        return
    from gateway.cli.database import prepare
    from gateway.cli.running import _wait_for_signal

    settings, database = ctx.obj["settings"], _database(ctx)
    prepare(settings, database)
    server = start_admin(settings, database)
    click.echo(f"Administration : {server.url}/ (Ctrl+C pour arrêter)")
    _wait_for_signal(threading.Event())
    server.stop()


def start_admin(settings, database):
    """Start the admin's server in a thread; a French error when the port is taken."""
    from admin.server import AdminServer

    try:
        return AdminServer(settings, database).start()
    except OSError as error:
        raise click.ClickException(
            f"Impossible d'ouvrir l'administration sur {settings.admin_host}:{settings.admin_port} ({error.strerror}). "
            "Choisissez un autre port avec APLUS_ADMIN_PORT."
        ) from error


@admin.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin, manager (responsable de territoire) ou observer.")
@click.option("--area", "areas", multiple=True, help="Code du département suivi (responsable), répétable.")
@click.option("--organisation", "organisations", multiple=True, help="Organisme suivi (code ou nom), répétable.")
@click.option("--password-stdin", is_flag=True, help="Lire le mot de passe sur l'entrée standard.")
@click.pass_context
def create_user(ctx: click.Context, email: str, role: str, areas: tuple[str, ...], organisations: tuple[str, ...],
                password_stdin: bool) -> None:
    """Crée un compte de l'administration (le mot de passe est lu sur l'entrée standard)."""
    from email_validator import EmailNotValidError, validate_email

    from admin.passwords import hash_password, password_problem
    from gateway.models import Account, AccountScope, Area, Organisation

    if not password_stdin:
        raise click.UsageError("Le mot de passe se lit sur l'entrée standard : ajoutez --password-stdin "
                               "(par exemple : printf '%s' \"$MOT_DE_PASSE\" | aplus admin create-user ...).")
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise click.BadParameter(f"« {email} » n'est pas une adresse électronique valide.", param_hint="EMAIL")
    if role == "manager" and not (areas or organisations):
        raise click.UsageError("Un responsable de territoire (manager) suit au moins un département (--area) "
                               "ou un organisme (--organisation).")
    if role != "manager" and (areas or organisations):
        raise click.UsageError("--area et --organisation ne s'emploient qu'avec --role manager.")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise click.UsageError("Aucun mot de passe reçu sur l'entrée standard.")
    problem = password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    with _database(ctx).begin() as session:
        if session.scalars(select(Account).where(func.lower(Account.email) == email)).first() is not None:
            raise click.ClickException(f"Un compte existe déjà pour {email}.")
        area_rows = [_one(session, Area, Area.code == code.strip().upper(), f"Département inconnu : « {code} ».") for code in areas]
        organisation_rows = [
            _one(session, Organisation, or_(func.lower(Organisation.code) == name.strip().lower(),
                                            func.lower(Organisation.name) == name.strip().lower()),
                 f"Organisme inconnu : « {name} » (donnez son code, par exemple CAF, ou son nom).")
            for name in organisations
        ]
        account = Account(email=email, role=role, password_hash=hash_password(password))
        account.scopes = [AccountScope(area_id=a.id if a else None, organisation_id=o.id if o else None)
                          for a in (area_rows or [None]) for o in (organisation_rows or [None])]
        session.add(account)
        from gateway.models import audit

        audit(session, "admin.account_created", actor="cli", email=email, role=role,
              areas=list(areas), organisations=list(organisations))
    click.echo(f"Compte {role} créé pour {email}.")


def _one(session, model, condition, error: str):
    row = session.scalars(select(model).where(condition)).first()
    if row is None:
        raise click.ClickException(error)
    return row


@admin.command("login-link")
@click.argument("email")
@click.pass_context
def login_link(ctx: click.Context, email: str) -> None:
    """Affiche un lien de connexion à usage unique (30 minutes) pour un compte existant."""
    from admin.magic_links import create_link
    from gateway.models import Account

    settings = ctx.obj["settings"]
    with _database(ctx).begin() as session:
        account = session.scalars(select(Account).where(func.lower(Account.email) == email.strip().lower())).first()
        if account is None or not account.active:
            raise click.ClickException(f"Aucun compte actif pour {email}.")
        link = create_link(session, settings, account, requested_from="cli")
    click.echo(f"Lien de connexion pour {account.email} (usage unique, 30 minutes) :\n{link}")
