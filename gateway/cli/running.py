"""Long-running commands: ``aplus run`` and each stage alone (``smtpd``, ``process``, ``deliver``)."""

from __future__ import annotations

import logging
import signal
import threading

import click

from gateway.cli.app import _database, main
from gateway.cli.database import prepare
from gateway.cli.imap import check_mailboxes

@main.command()
@click.pass_context
def run(ctx: click.Context) -> None:
    """Lance tout : SMTP ici, traitement et envoi dans deux processus surveillés."""
    settings, database = ctx.obj["settings"], _database(ctx)
    check_mailboxes(settings)
    prepare(settings, database)
    from gateway.doorbell import Doorbell
    from gateway.inbound.smtp import GatewayController
    from gateway.scheduler import add_scheduler
    from gateway.workers import gateway_workers, leave_now

    inbound, outbound = Doorbell(), Doorbell()
    workers = gateway_workers(settings, inbound, outbound)
    add_scheduler(workers, settings, inbound, outbound)  # late cases, digests, retention (gateway/scheduler.py)
    workers.start()  # they load the routing tables while the receiver starts
    controller = GatewayController(database, settings, doorbell=inbound)
    controller.start()
    admin_server = _start_admin(settings, database)
    if not workers.wait_ready():
        logging.getLogger(__name__).error("a worker is not ready after 60 s; mail is accepted and will wait")
    _print_welcome(settings)
    stop = threading.Event()
    _wait_for_signal(stop, every_second=workers.check)
    controller.stop()
    admin_server.stop()
    workers.stop(bells=(inbound, outbound))
    click.echo("Passerelle arrêtée.")
    leave_now()  # everything is stopped; skip the seconds of interpreter teardown (gateway.workers)


def _start_admin(settings, database):
    """The oversight admin, served by waitress in a thread of this process (see ``gateway.cli.admin``)."""
    from gateway.cli.admin import start_admin

    return start_admin(settings, database)


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

Administration : {settings.admin_base_url}/
  Première connexion : créez un compte, puis connectez-vous avec lui :
  printf '%s' 'une phrase de passe longue' | .venv/bin/aplus admin create-user vous@exemple.gouv.fr --role admin --password-stdin
  (ou, pour un compte existant, un lien à usage unique : .venv/bin/aplus admin login-link vous@exemple.gouv.fr)
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
@click.option("--socket", "socket_path", type=click.Path(dir_okay=False), default=None,
              help="Écouter sur ce socket UNIX au lieu d'un port TCP (LMTP pour un Postfix local).")
@click.pass_context
def smtpd(ctx: click.Context, lmtp: bool, port: int | None, socket_path: str | None) -> None:
    """Lance seulement le serveur SMTP/LMTP de réception."""
    from dataclasses import replace

    from gateway.inbound.smtp import GatewayController, GatewaySocketController

    settings = replace(ctx.obj["settings"], lmtp=lmtp or ctx.obj["settings"].lmtp)
    if socket_path:
        controller = GatewaySocketController(_database(ctx), settings, socket_path)
        where = socket_path
    else:
        controller = GatewayController(_database(ctx), settings, port=port)
        where = None
    try:
        controller.start()
    except OSError as error:
        raise click.ClickException(f"Impossible d'écouter sur {socket_path or port or settings.smtp_port} : "
                                   f"{error.strerror or error}.") from None
    where = where or f"{controller.hostname}:{controller.port}"
    click.echo(f"Réception {'LMTP' if settings.lmtp else 'SMTP'} sur {where}")
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
