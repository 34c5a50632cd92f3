"""The ``aplus`` command: run the gateway, feed it mail, look inside.

Every command builds its settings and database explicitly from the
environment (see ``gateway.config``) and passes them down; messages for the
person at the terminal are in French.
"""

from __future__ import annotations

import json
import logging
import mailbox
import signal
import sys
import threading
from pathlib import Path

import click

from gateway.storage import spool
from gateway.config import load_settings
from gateway.storage.db import Database, upgrade

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the mail and retries


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


# -- database --------------------------------------------------------------


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


# -- running -----------------------------------------------------------------


@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Lance tout : SMTP ici, traitement et envoi dans deux processus surveillés."""
    settings, database = ctx.obj["settings"], _database(ctx)
    prepare(settings, database)
    from gateway.doorbell import Doorbell
    from gateway.inbound.smtp import GatewayController
    from gateway.workers import gateway_workers

    inbound, outbound = Doorbell(), Doorbell()
    workers = gateway_workers(settings, inbound, outbound)
    workers.start()  # they load the routing tables while the receiver starts
    controller = GatewayController(database, settings, doorbell=inbound)
    controller.start()
    if not workers.wait_ready():
        logging.getLogger(__name__).error("a worker is not ready after 60 s; mail is accepted and will wait")
    _print_welcome(settings)
    stop = threading.Event()
    _wait_for_signal(stop, every_second=workers.check)
    controller.stop()
    workers.stop(bells=(inbound, outbound))
    click.echo("Passerelle arrêtée.")


def _print_welcome(settings) -> None:
    where = "capturés (non envoyés) dans " + str(settings.outbox_dir.resolve()) if settings.delivery == "capture" else f"envoyés par {settings.relay_host}:{settings.relay_port}"
    click.echo(f"""
A+ passerelle est lancée.
  Adresse publique : {settings.address}
  SMTP             : {settings.smtp_host}:{settings.smtp_port}{' (LMTP)' if settings.lmtp else ''}
  Base de données  : {settings.effective_database_url}
  Courriels sortants {where}

Pour essayer, dans un autre terminal :
  .venv/bin/aplus demo send
ou
  python3 -c "import smtplib; smtplib.SMTP('{settings.smtp_host}', {settings.smtp_port}).sendmail('marie@example.org', ['{settings.address}'], b'From: marie@example.org\\nSubject: RSA bloque\\n\\nBonjour, mon RSA est bloque a la CAF de Marseille (13001).')"
puis regardez les .eml écrits dans {settings.outbox_dir.resolve()}.
Ctrl+C pour arrêter.
""")


def _stop_on_signal(stop: threading.Event) -> None:
    """SIGTERM and Ctrl+C set ``stop``: the current mail is finished, then the command returns."""
    def request_stop(*_):
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)


def _wait_for_signal(stop: threading.Event, every_second=None) -> None:
    """Block until SIGTERM or Ctrl+C, calling ``every_second`` meanwhile (supervision)."""
    _stop_on_signal(stop)
    while not stop.is_set():
        stop.wait(1.0)
        if every_second is not None and not stop.is_set():
            every_second()


@main.command()
@click.option("--lmtp", is_flag=True, help="Parler LMTP (derrière Postfix).")
@click.option("--port", type=int, default=None)
@click.pass_context
def smtpd(ctx: click.Context, lmtp: bool, port: int | None) -> None:
    """Lance seulement le serveur SMTP/LMTP de réception."""
    from dataclasses import replace

    from gateway.inbound.smtp import GatewayController

    settings = replace(ctx.obj["settings"], lmtp=lmtp or ctx.obj["settings"].lmtp)
    controller = GatewayController(_database(ctx), settings, port=port)
    controller.start()
    click.echo(f"Réception {'LMTP' if settings.lmtp else 'SMTP'} sur {controller.hostname}:{controller.port}")
    stop = threading.Event()
    _wait_for_signal(stop)
    controller.stop()


@main.command()
@click.option("--once", is_flag=True, help="Traiter ce qui attend, puis s'arrêter.")
@click.pass_context
def process(ctx: click.Context, once: bool) -> None:
    """Traite les messages reçus (file d'entrée)."""
    from gateway.processing.processor import drain, run_processor_loop

    settings, database = ctx.obj["settings"], _database(ctx)
    if once:
        click.echo(f"{drain(database, settings)} message(s) traité(s).")
        return
    stop = threading.Event()
    _stop_on_signal(stop)
    run_processor_loop(database, settings, stop)


@main.command()
@click.option("--once", is_flag=True, help="Envoyer ce qui est dû, puis s'arrêter.")
@click.pass_context
def deliver(ctx: click.Context, once: bool) -> None:
    """Envoie les courriels de la file de sortie par le relais configuré."""
    from gateway.outbound.outbox import deliver_due, run_delivery_loop
    from gateway.outbound.transports import make_transport

    settings, database = ctx.obj["settings"], _database(ctx)
    transport = make_transport(settings)
    if once:
        report = deliver_due(database, settings, transport, batch=10_000)
        click.echo(str(report))
        return
    stop = threading.Event()
    _stop_on_signal(stop)
    run_delivery_loop(database, settings, transport, stop)


# -- feeding mail -------------------------------------------------------------------


@main.command()
@click.option("--from", "mail_from", default="", help="Expéditeur d'enveloppe.")
@click.option("--to", "rcpt", multiple=True, help="Destinataire(s) d'enveloppe (par défaut l'adresse publique).")
@click.pass_context
def ingest(ctx: click.Context, mail_from: str, rcpt: tuple[str, ...]) -> None:
    """Lit un message sur l'entrée standard et le met en file (transport « pipe » d'un MTA).

    Code de sortie 0 quand le message est enregistré, 75 (EX_TEMPFAIL) sinon.
    """
    settings = ctx.obj["settings"]
    raw = sys.stdin.buffer.read()
    try:
        spool_id = spool.enqueue(_database(ctx), raw, mail_from=mail_from, rcpt_tos=list(rcpt) or [settings.address], source="pipe")
    except Exception as error:
        click.echo(f"Message non enregistré, réessayez plus tard : {error.__class__.__name__}: {error}", err=True)
        sys.exit(EX_TEMPFAIL)
    click.echo(f"Message enregistré ({spool_id}).")


def iter_mail_files(path: Path):
    """Yield raw mails from a maildir, an mbox file, a folder of .eml, or one file."""
    if path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir():
        for message in mailbox.Maildir(str(path), factory=None, create=False):
            yield bytes(message)
    elif path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            yield file.read_bytes()
    elif path.is_file() and path.read_bytes()[:5] == b"From ":
        for message in mailbox.mbox(str(path), create=False):
            yield message.as_bytes(unixfrom=False)
    else:
        yield path.read_bytes()


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, path: Path) -> None:
    """Importe un maildir, un mbox ou un dossier de .eml dans la file d'entrée."""
    from tqdm import tqdm

    settings, database = ctx.obj["settings"], _database(ctx)
    count = 0
    for raw in tqdm(iter_mail_files(path), unit=" message", desc="Import"):
        spool.enqueue(database, raw, rcpt_tos=[settings.address], source="import")
        count += 1
    click.echo(f"{count} message(s) mis en file. Lancez « aplus process --once » ou « aplus run » pour les traiter.")


# -- looking inside ----------------------------------------------------------------


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Une ligne JSON par message.")
@click.option("--no-db", is_flag=True, help="Ne pas consulter la base (fil de discussion inconnu).")
@click.pass_context
def explain(ctx: click.Context, files: tuple[Path, ...], as_json: bool, no_db: bool) -> None:
    """Montre ce que la passerelle comprend d'un message, sans rien modifier."""
    from gateway.explain_command import explain_path

    settings = ctx.obj["settings"]
    database = None if no_db else _database(ctx)
    for result in explain_path(files, settings, database):
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            from gateway.explain_command import format_human

            click.echo(format_human(result))


@main.group()
def demo() -> None:
    """Démonstration."""


@demo.command("send")
@click.option("--text", default=None, help="Texte de la demande.")
@click.option("--sender", default="marie.durand@example.org")
@click.pass_context
def demo_send(ctx: click.Context, text: str | None, sender: str) -> None:
    """Envoie une demande d'exemple à la passerelle lancée par « aplus run »."""
    import smtplib
    from email.message import EmailMessage

    settings = ctx.obj["settings"]
    mail = EmailMessage()
    mail["From"] = f"Marie Durand <{sender}>"
    mail["To"] = settings.address
    mail["Subject"] = "Mon RSA est bloqué depuis mon déménagement"
    mail.set_content(text or (
        "Bonjour,\n\nJ'ai déménagé de Paris à Marseille (13001) en mars. Depuis, mon RSA est suspendu\n"
        "et la CAF ne me répond pas. Pouvez-vous m'aider à savoir où en est mon dossier ?\n\n"
        "Merci beaucoup,\nMarie Durand\n"
    ))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as client:
        client.send_message(mail)
    click.echo(f"Demande envoyée à {settings.address}. Les courriels produits arriveront dans {settings.outbox_dir.resolve()}.")


@main.group()
def quarantine() -> None:
    """Messages mis en quarantaine."""


@quarantine.command("list")
@click.pass_context
def quarantine_list(ctx: click.Context) -> None:
    from sqlalchemy import select

    from gateway.models import InboundMail

    with _database(ctx).begin() as session:
        rows = session.scalars(select(InboundMail).where(InboundMail.state == "quarantined").order_by(InboundMail.id)).all()
        for row in rows:
            click.echo(f"{row.id}\t{row.received_at:%Y-%m-%d %H:%M}\t{row.mail_from}\t{row.error}")
        click.echo(f"{len(rows)} message(s) en quarantaine.")


@quarantine.command("requeue")
@click.argument("inbound_id", type=int)
@click.pass_context
def quarantine_requeue(ctx: click.Context, inbound_id: int) -> None:
    spool.requeue(_database(ctx), inbound_id)
    click.echo(f"Message {inbound_id} remis en file.")


def _register_directory() -> None:
    try:
        from routing.cli import directory
    except ImportError:  # routing's CLI is optional for the mail engine
        return
    main.add_command(directory)


_register_directory()
if __name__ == "__main__":
    main()
