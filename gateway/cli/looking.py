"""Commands that look inside: ``aplus explain``, ``aplus demo``, ``aplus quarantine``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from gateway.cli.app import UserError, _database, existing_database, main, read_only_database
from gateway.storage import spool

@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Une ligne JSON par message.")
@click.option("--no-db", is_flag=True, help="Ne pas consulter la base (fil de discussion inconnu).")
@click.pass_context
def explain(ctx: click.Context, files: tuple[Path, ...], as_json: bool, no_db: bool) -> None:
    """Montre ce que la passerelle comprend d'un message, sans rien modifier."""
    from gateway.explain_command import explain_path

    settings = ctx.obj["settings"]
    missing = [str(path) for path in files if not path.exists()]
    if missing:
        raise UserError("fichier introuvable : " + ", ".join(missing) + ".")
    database = None if no_db else read_only_database(ctx)
    for result in explain_path(files, settings, database):
        if as_json:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            from gateway.explain_command import format_human

            click.echo(format_human(result))


@main.group()
def demo() -> None:
    """Démonstration."""


@demo.command("load")
@click.pass_context
def demo_load(ctx: click.Context) -> None:
    """Charge l'annuaire de démonstration (groupes et agents fictifs) dans une base vide."""
    from gateway.storage.db import upgrade
    from routing.reference_data import load_demo_directory

    settings = ctx.obj["settings"]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    with _database(ctx).begin() as session:
        report = load_demo_directory(session, default_group=settings.default_group)
    if report is None:
        click.echo("L'annuaire contient déjà des groupes ou des agents : rien n'a été chargé.")
        return
    click.echo(f"Annuaire de démonstration chargé : {report.groups.created} groupe(s), {report.agents.created} agent(s).")


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
    list_set_aside(ctx, "quarantined", "en quarantaine")


def list_set_aside(ctx: click.Context, state: str, label: str) -> None:
    """One line per inbound mail in ``state`` (quarantined, review): id, date, who claims to write, why."""
    from sqlalchemy import select

    from gateway.models import InboundMail

    with existing_database(ctx).begin() as session:
        rows = session.scalars(select(InboundMail).where(InboundMail.state == state).order_by(InboundMail.id)).all()
        for row in rows:
            click.echo(f"{row.id}\t{row.received_at:%Y-%m-%d %H:%M}\t{row.claimed_sender or row.mail_from}\t{row.error}")
        click.echo(f"{len(rows)} message(s) {label}.")


@quarantine.command("show")
@click.argument("inbound_id", type=int)
@click.pass_context
def quarantine_show(ctx: click.Context, inbound_id: int) -> None:
    """Montre un message mis en quarantaine : la raison, les relais traversés, les anomalies du format."""
    from gateway.explain import explain_mail
    from gateway.explain_command import format_human
    from gateway.models import InboundMail

    settings = ctx.obj["settings"]
    with existing_database(ctx).begin() as session:
        row = session.get(InboundMail, inbound_id)
        if row is None:
            raise UserError(f"aucun message n° {inbound_id} dans la file d'entrée.")
        raw, state, reason = bytes(row.raw), row.state, row.error
    click.echo(f"Message {inbound_id} — état : {state} — raison : {reason or '(aucune)'}")
    click.echo(format_human(explain_mail(raw, file=f"message {inbound_id}", own_domain=settings.domain)))


@quarantine.command("requeue")
@click.argument("inbound_id", type=int)
@click.pass_context
def quarantine_requeue(ctx: click.Context, inbound_id: int) -> None:
    spool.requeue(_database(ctx), inbound_id)
    click.echo(f"Message {inbound_id} remis en file.")
