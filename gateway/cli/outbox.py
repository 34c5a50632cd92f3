"""``aplus outbox``: read the mails the gateway captured instead of sending them.

With ``APLUS_DELIVERY=capture`` (the default on a laptop) every outbound mail
is a file in ``var/outbox/``. The files are the exact bytes a relay would
get: MIME with base64 or quoted-printable parts, which ``cat`` does not make
readable. Rather than change the transfer encoding of what is captured (the
captured file must stay the mail that would be sent, byte for byte, so that
tests and DKIM see the real thing), this command decodes them for a person:
envelope, main headers, then the text part.
"""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import click

from gateway.cli import mailflow  # noqa: F401  (defines the ``outbox`` group first)
from gateway.cli.app import UserError, main

HEADERS = ("X-Aplus-Envelope-To", "From", "To", "Reply-To", "Subject", "Date")


def captured_files(folder: Path) -> list[Path]:
    """Captured mails, oldest first (their names start with a timestamp)."""
    return sorted(folder.glob("*.eml")) if folder.is_dir() else []


def readable(raw: bytes) -> str:
    """Headers a person reads, then the decoded text (or HTML) part."""
    message = message_from_bytes(raw, policy=policy.default)
    lines = [f"{name} : {message[name]}" for name in HEADERS if message[name] is not None]
    body = None
    if isinstance(message, EmailMessage):
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            body = part.get_content()
    attachments = [part.get_filename() or part.get_content_type() for part in message.iter_attachments()] if isinstance(message, EmailMessage) else []
    if attachments:
        lines.append("Pièces jointes : " + ", ".join(attachments))
    return "\n".join([*lines, "", (body or "").rstrip(), ""])


def _outbox_group() -> click.Group:
    """``aplus outbox``, shared with the mail-flow actions (``aplus outbox retry``)."""
    existing = main.commands.get("outbox")
    if isinstance(existing, click.Group):
        return existing

    @main.group()
    def outbox() -> None:
        """Courriels sortants : relancer un envoi, lire les courriels capturés (APLUS_DELIVERY=capture)."""

    return outbox


outbox = _outbox_group()


@outbox.command("list")
@click.pass_context
def outbox_list(ctx: click.Context) -> None:
    """Liste les courriels capturés, du plus ancien au plus récent."""
    folder = ctx.obj["settings"].outbox_dir
    files = captured_files(folder)
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        click.echo(f"{path.name}\t{message['X-Aplus-Envelope-To'] or ''}\t{message['Subject'] or ''}")
    click.echo(f"{len(files)} courriel(s) dans {folder}.")


@outbox.command("show")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--last", "last", type=int, default=1, show_default=True, help="Nombre de courriels récents à montrer.")
@click.pass_context
def outbox_show(ctx: click.Context, files: tuple[Path, ...], last: int) -> None:
    """Montre en clair des courriels capturés (par défaut le dernier)."""
    folder = ctx.obj["settings"].outbox_dir
    chosen = [path if path.exists() else folder / path for path in files] if files else captured_files(folder)[-last:]
    if not chosen:
        raise UserError(f"aucun courriel capturé dans {folder}.")
    for path in chosen:
        if not path.is_file():
            raise UserError(f"fichier introuvable : {path}.")
        click.echo(f"== {path.name}")
        click.echo(readable(path.read_bytes()))
