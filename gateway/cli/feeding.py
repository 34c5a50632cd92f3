"""Commands that feed mail into the spool: ``aplus ingest`` (MTA pipe) and ``aplus import``."""

from __future__ import annotations

import mailbox
import sys
from pathlib import Path

import click

from gateway.cli.app import _database, main
from gateway.storage import spool

EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the mail and retries

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
