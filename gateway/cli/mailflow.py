"""``aplus spool`` and ``aplus outbox``: the admin's mail-flow actions, from the terminal.

The same functions as the admin's pages (``gateway.processing.spool_actions``,
``gateway.outbound.retry``), audited with the system user as the actor and
"console" as the address, so the journal tells both ways apart. Imports are
inside the commands: ``aplus ingest`` (an MTA's pipe) must not pay for them.
"""

from __future__ import annotations

import getpass
from contextlib import contextmanager
from typing import Iterator

import click
from sqlalchemy.orm import Session

from gateway.cli.app import _database, main
from gateway.cli.outbox import outbox

CONSOLE = "console"


def console_actor() -> str:
    """Who acts from the terminal: the system account, as the journal shows it."""
    try:
        return f"console:{getpass.getuser()}"
    except Exception:  # no user name in a container without passwd entry
        return "console"


@main.group()
def spool() -> None:
    """File d'entrée : retraiter, libérer en dossier, écarter un message."""


@spool.command("reprocess")
@click.argument("inbound_id", type=int)
@click.pass_context
def spool_reprocess(ctx: click.Context, inbound_id: int) -> None:
    """Remet le message en file pour un nouveau traitement."""
    from gateway.processing import spool_actions

    with _acting(ctx) as session:
        spool_actions.reprocess(session, inbound_id, actor=console_actor(), client_address=CONSOLE)
    click.echo(f"Message {inbound_id} remis en file : il sera traité de nouveau.")


@spool.command("release")
@click.argument("inbound_id", type=int)
@click.pass_context
def spool_release(ctx: click.Context, inbound_id: int) -> None:
    """Ouvre un nouveau dossier à partir d'un message en quarantaine."""
    from gateway.processing import spool_actions

    with _acting(ctx) as session:
        ticket = spool_actions.release_as_ticket(session, ctx.obj["settings"], inbound_id, actor=console_actor(),
                                                 client_address=CONSOLE)
        reference = ticket.reference
    click.echo(f"Message {inbound_id} libéré : dossier {reference} ouvert.")


@spool.command("discard")
@click.argument("inbound_id", type=int)
@click.option("--reason", required=True, help="Pourquoi le message est écarté (gardé au journal).")
@click.pass_context
def spool_discard(ctx: click.Context, inbound_id: int, reason: str) -> None:
    """Écarte un message sans le traiter ; il reste conservé jusqu'à la purge."""
    from gateway.processing import spool_actions

    with _acting(ctx) as session:
        spool_actions.discard(session, inbound_id, actor=console_actor(), reason=reason, client_address=CONSOLE)
    click.echo(f"Message {inbound_id} écarté. La raison est gardée au journal.")


@outbox.command("retry")  # on the group of gateway/cli/outbox.py (list, show)
@click.argument("outbound_id", type=int)
@click.pass_context
def outbox_retry(ctx: click.Context, outbound_id: int) -> None:
    """Renvoie maintenant un message reporté ou en échec."""
    from gateway.outbound.retry import retry_now

    with _acting(ctx) as session:
        row = retry_now(session, outbound_id, actor=console_actor(), client_address=CONSOLE)
        recipient = row.recipient
    click.echo(f"Message sortant {outbound_id} pour {recipient} remis en file : il part au prochain passage.")


@contextmanager
def _acting(ctx: click.Context) -> Iterator[Session]:
    """One unit of work; a refused action is a French sentence and exit status 1, never a traceback."""
    from gateway.outbound.retry import RetryError
    from gateway.processing.spool_actions import SpoolActionError

    try:
        with _database(ctx).begin() as session:
            yield session
    except (SpoolActionError, RetryError) as error:
        click.echo(str(error), err=True)
        ctx.exit(1)
