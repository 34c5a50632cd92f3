"""``aplus imap``: poll the configured IMAP mailboxes into the spool."""

from __future__ import annotations

import sys
import threading

import click

from gateway.cli.app import _database, main

@main.command()
@click.option("--once", is_flag=True, help="Relever une fois chaque boîte, puis s'arrêter.")
@click.pass_context
def imap(ctx: click.Context, once: bool) -> None:
    """Relève les boîtes IMAP configurées (APLUS_IMAP_* ou tables [[imap]]) et met les messages en file."""
    from gateway.inbound.imap import MailboxPoller, run_pollers

    settings = ctx.obj["settings"]
    configs = check_mailboxes(settings)
    if not configs:
        raise click.ClickException("Aucune boîte IMAP configurée : renseignez APLUS_IMAP_HOST, APLUS_IMAP_USER "
                                   "et APLUS_IMAP_PASSWORD (ou des tables [[imap]] dans le fichier de configuration).")
    database = _database(ctx)
    _prepare_schema(settings)
    if once:
        sys.exit(0 if all(_poll_once(MailboxPoller(database, settings, config)) for config in configs) else 1)
    from gateway.cli.running import _stop_on_signal

    stop = threading.Event()
    _stop_on_signal(stop)
    click.echo(f"Relève IMAP de {len(configs)} boîte(s) : {', '.join(config.key for config in configs)}")
    run_pollers(database, settings, configs, stop)


def check_mailboxes(settings) -> list:
    """The configured mailboxes, or a French sentence saying what is wrong (before ``aplus run`` starts anything)."""
    from gateway.inbound.imap_config import MailboxSettingsError, mailboxes_from_settings

    try:
        return mailboxes_from_settings(settings)
    except MailboxSettingsError as error:
        raise click.ClickException(str(error)) from None


def _prepare_schema(settings) -> None:
    """The poller's tables (and the spool) exist before the first mail is taken."""
    from gateway.storage.db import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(settings.effective_database_url)
    except Exception as error:  # noqa: BLE001 - database unreachable: a sentence for the person
        raise click.ClickException(f"Base de données inaccessible ({error.__class__.__name__}) : "
                                   "aucun message n'a été relevé.") from None


def _poll_once(poller) -> bool:
    """One pass over one mailbox, told in French; False when it could not be done."""
    try:
        report = poller.poll_once()
    except Exception as error:  # noqa: BLE001 - a person reads this: a sentence, not a traceback
        click.echo(f"{poller.config.key} : relève impossible ({_explain(error, poller.config)}). "
                   "Rien n'a été déplacé.", err=True)
        return False
    left = f", {len(report.left)} laissé(s) sur le serveur (voir le journal)" if report.left else ""
    click.echo(f"{poller.config.key} : {report.stored} message(s) mis en file, {report.acknowledged} déplacé(s){left}.")
    return True


def _explain(error: Exception, config) -> str:
    from imapclient.exceptions import IMAPClientError, LoginError

    if isinstance(error, LoginError):
        return "identifiant ou mot de passe refusé par le serveur"
    if isinstance(error, IMAPClientError) and "select" in str(error).lower():
        return f"le dossier « {config.folder} » n'existe pas sur le serveur ou ne peut pas être ouvert"
    if isinstance(error, ConnectionRefusedError):
        return "le serveur refuse la connexion"
    if isinstance(error, OSError) and "certificate" in str(error).lower():
        return f"certificat du serveur non reconnu : {error}"
    return f"{error.__class__.__name__} : {error}"
