"""``aplus review``: mail held "à vérifier" (unauthenticated replies, forged requests), from the terminal.

The same functions as the admin's pages (``gateway.processing.review``),
audited with the system user as the actor.
"""

from __future__ import annotations

import click

from gateway.cli.app import main
from gateway.cli.looking import list_set_aside
from gateway.cli.mailflow import _acting, console_actor


@main.group()
def review() -> None:
    """Messages à vérifier : expéditeur non authentifié ou fil de discussion devinable."""


@review.command("list")
@click.pass_context
def review_list(ctx: click.Context) -> None:
    """Liste les messages à vérifier, avec la raison."""
    list_set_aside(ctx, "review", "à vérifier")


@review.command("release")
@click.argument("inbound_id", type=int)
@click.pass_context
def review_release(ctx: click.Context, inbound_id: int) -> None:
    """Traite le message comme authentifié (il est relayé ou ouvre un dossier)."""
    from gateway.processing.review import release_held

    with _acting(ctx) as session:
        outcome = release_held(session, ctx.obj["settings"], inbound_id, actor=console_actor())
    click.echo(f"Message {inbound_id} libéré : {outcome.reason or 'traité'}." if outcome.state != "done"
               else f"Message {inbound_id} libéré et traité.")


@review.command("reject")
@click.argument("inbound_id", type=int)
@click.option("--reason", required=True, help="Pourquoi le message est refusé (gardé au journal).")
@click.pass_context
def review_reject(ctx: click.Context, inbound_id: int, reason: str) -> None:
    """Refuse le message : il n'est jamais relayé, mais reste conservé."""
    from gateway.processing.review import reject_held

    with _acting(ctx) as session:
        reject_held(session, ctx.obj["settings"], inbound_id, actor=console_actor(), reason=reason)
    click.echo(f"Message {inbound_id} refusé. La raison est gardée au journal.")
