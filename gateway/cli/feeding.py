"""Commands that feed mail into the spool: ``aplus ingest`` (MTA pipe) and ``aplus import``.

``aplus ingest`` speaks the sysexits.h language of an MTA's pipe transport
(Postfix ``pipe``, Exim ``pipe``): 0 once the mail is stored, 75
(EX_TEMPFAIL) for anything that went wrong before that (the MTA keeps the mail
and retries), 65 (EX_DATAERR) for a mail we will never take (empty, or over
``max_message_bytes`` as SMTP's 552): the MTA bounces it. Every message for
the person reading the MTA's log is one French sentence, never a traceback.
"""

from __future__ import annotations

import email.parser
import email.policy
import logging
import mailbox
import sys
from pathlib import Path

import click

from gateway.cli.app import SETUP_FAILURE_EXIT, _database, main
from gateway.storage import spool

log = logging.getLogger(__name__)

EX_DATAERR = 65  # sysexits.h: the input is wrong, the MTA bounces it
EX_TEMPFAIL = 75  # sysexits.h: the MTA keeps the mail and retries
SETUP_FAILURE_EXIT["ingest"] = EX_TEMPFAIL  # settings unreadable, secret key not writable, ...

#: Headers a delivering MTA adds with the address it delivered to, most recent first.
ENVELOPE_HEADERS = ("delivered-to", "x-original-to")


@main.command()
@click.option("--from", "mail_from", default="", help="Expéditeur d'enveloppe.")
@click.option("--to", "rcpt", multiple=True, help="Destinataire(s) d'enveloppe (par défaut l'adresse publique).")
@click.pass_context
def ingest(ctx: click.Context, mail_from: str, rcpt: tuple[str, ...]) -> None:
    """Lit un message sur l'entrée standard et le met en file (transport « pipe » d'un MTA).

    Code de sortie 0 quand le message est enregistré, 75 (EX_TEMPFAIL) quand il
    n'a pas pu l'être (le MTA réessaiera), 65 (EX_DATAERR) pour un message vide
    ou trop volumineux (refusé comme en SMTP).
    """
    try:
        settings = ctx.obj["settings"]
        raw = _read_stdin(settings.max_message_bytes)
    except Exception as error:  # noqa: BLE001 - whatever it is, the MTA must keep the mail
        _fail(EX_TEMPFAIL, f"Message non lu sur l'entrée standard ({error.__class__.__name__}) ; le MTA le gardera et réessaiera.")
    if raw is None:
        _fail(EX_DATAERR, f"Message trop volumineux : la limite est de {settings.max_message_bytes} octets "
                          "(comme en SMTP) ; il n'est pas enregistré.")
    if not raw.strip():
        _fail(EX_DATAERR, "Message vide : rien n'a été enregistré.")
    try:
        spool_id = spool.enqueue(_database(ctx), raw, mail_from=mail_from, rcpt_tos=list(rcpt) or [settings.address],
                                 source="pipe")
    except Exception as error:  # noqa: BLE001 - database down, locked, unwritable, schema missing...
        log.debug("ingest failed", exc_info=True)
        _fail(EX_TEMPFAIL, "Message non enregistré, réessayez plus tard : la base de données n'a pas pu l'écrire "
                           f"({_short(error)}). Le MTA le gardera et réessaiera.")
    click.echo(f"Message enregistré ({spool_id}).")


def _read_stdin(limit: int) -> bytes | None:
    """The mail on stdin, or None when it is over ``limit`` (never more than ``limit + 1`` bytes held)."""
    data = sys.stdin.buffer.read(limit + 1)
    return None if len(data) > limit else data


def _fail(code: int, message: str):
    click.echo(message, err=True)
    sys.exit(code)


def _short(error: BaseException) -> str:
    """The first line of a database error, without SQLAlchemy's background link."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else error.__class__.__name__
    return text[:200]


# --- aplus import ---------------------------------------------------------------------


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


def envelope_recipients(settings, raw: bytes, default: list[str]) -> list[str]:
    """Where the mail was delivered, read from its own ``Delivered-To`` / ``X-Original-To``.

    An imported reply must keep its token address (``aplus+TOKEN@…``) or it
    would be read as a new request. Only addresses the SMTP receiver would
    have accepted count (``is_acceptable_recipient``: the public address,
    postmaster, a valid token); otherwise ``default`` (``--to``, else the
    public address).
    """
    from gateway.inbound.smtp import is_acceptable_recipient

    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:256 * 1024])
    except Exception:  # noqa: BLE001 - unreadable headers: the processor will say so
        return default
    for name in ENVELOPE_HEADERS:
        for value in headers.get_all(name) or []:
            address = str(value).strip().strip("<>").strip()
            if address and is_acceptable_recipient(settings, address):
                return [address]
    return default


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--to", "rcpt", multiple=True,
              help="Destinataire d'enveloppe des messages sans Delivered-To ni X-Original-To (par défaut l'adresse publique).")
@click.pass_context
def import_(ctx: click.Context, path: Path, rcpt: tuple[str, ...]) -> None:
    """Importe un maildir, un mbox ou un dossier de .eml dans la file d'entrée.

    Chaque message garde son destinataire d'origine (Delivered-To, X-Original-To)
    quand c'est une adresse de la passerelle : une réponse importée reste une réponse.
    """
    from tqdm import tqdm

    settings, database = ctx.obj["settings"], _database(ctx)
    default = list(rcpt) or [settings.address]
    count = skipped = 0
    try:
        for raw in tqdm(iter_mail_files(path), unit=" message", desc="Import"):
            if not raw.strip() or len(raw) > settings.max_message_bytes:
                skipped += 1
                continue
            spool.enqueue(database, raw, rcpt_tos=envelope_recipients(settings, raw, default), source="import")
            count += 1
    except Exception as error:  # noqa: BLE001
        log.debug("import failed", exc_info=True)
        _fail(EX_TEMPFAIL, f"Import interrompu après {count} message(s) mis en file : {_short(error)}. "
                           "Relancez-le une fois la cause corrigée (les messages déjà en file ne seront pas traités deux fois).")
    if skipped:
        click.echo(f"{skipped} message(s) ignoré(s) : vides ou au-delà de {settings.max_message_bytes} octets.", err=True)
    click.echo(f"{count} message(s) mis en file. Lancez « aplus process --once » ou « aplus run » pour les traiter.")
