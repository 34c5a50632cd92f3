"""Retention: a case closed long ago keeps its statistics and nothing personal, anywhere on disk."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

import time_machine
from click.testing import CliRunner
from sqlalchemy import inspect, select, text

from gateway.cli import main
from gateway.models import InboundMail, OutboundMail, Ticket
from gateway.outbound.outbox import deliver_due
from gateway.outbound.transports import CaptureTransport
from gateway.processing.retention import purge
from tests.lifecycle.clients import CLIENTS
from tests.support.gateway import AWA

CLOSED = datetime(2026, 1, 12, 9, 0, tzinfo=timezone.utc)
PERSON = "zephyrine.quillard@example.org"
SECRET_WORDS = ("Zephyrine", "Quillard", "Ouarzazate", PERSON)
PDF = b"%PDF-1.4\n% attestation de Zephyrine Quillard, allocataire 7731942\n%%EOF\n"


def _request() -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Zephyrine Quillard <{PERSON}>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = "RSA bloque Zephyrine Quillard"
    mail["Message-ID"] = "<zq-1@example.org>"
    mail.set_content("Bonjour, je suis Zephyrine Quillard, nee a Ouarzazate. Mon RSA est bloque a la CAF de "
                     "Marseille (13001).\n", cte="8bit")
    mail.add_attachment(PDF, maintype="application", subtype="pdf", filename="attestation-quillard.pdf")
    return mail.as_bytes()


def _life_of_a_case(post):
    with time_machine.travel(CLOSED - timedelta(days=3), tick=False):
        post.deliver(_request())
        sent = {m.recipient: m for m in post.new()}
        post.deliver(CLIENTS["thunderbird"](sent[AWA], AWA, "Awa Diallo",
                                            "Madame Quillard, votre RSA est rétabli.\n#traite"))
    with time_machine.travel(CLOSED, tick=False):
        post.deliver(CLIENTS["outlook"](sent[AWA], AWA, "Awa Diallo", "#traite\nDossier de Mme Quillard réglé."))
        closing = next(m for m in post.to(PERSON) if "utile" in m.text)
        answer = EmailMessage()
        answer["From"] = PERSON
        answer["To"] = next(line.split(" : ", 1)[1] for line in closing.text.splitlines() if line.startswith("- Oui"))
        answer["Subject"] = "Re: " + closing.subject
        answer["Message-ID"] = "<zq-2@example.org>"
        answer.set_content("Oui, cette réponse m'a été utile.")
        post.deliver(answer, to=[str(answer["To"])])
        deliver_due(post.database, post.settings, CaptureTransport(post.settings.outbox_dir), batch=1000)


def _everything_stored(post) -> bytes:
    """Every row of every table, as bytes, plus (SQLite) the database files and the data folder."""
    chunks = []
    with post.database.begin() as session:
        for table in inspect(session.connection()).get_table_names():
            for row in session.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    chunks.append(value if isinstance(value, bytes) else str(value).encode())
    url = post.database.engine.url
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            path = Path(url.database + suffix)
            if path.exists():
                chunks.append(path.read_bytes())
    for path in Path(post.settings.data_dir).rglob("*"):
        if path.is_file():
            chunks.append(path.name.encode() + b"\n" + path.read_bytes())
    return b"\n".join(chunks)


def _database_files(post) -> bytes | None:
    """The SQLite database, its write-ahead log and shared memory, as bytes (None on PostgreSQL)."""
    url = post.database.engine.url
    if url.get_backend_name() != "sqlite":
        return None
    return b"".join(Path(url.database + s).read_bytes() for s in ("", "-wal", "-shm") if Path(url.database + s).exists())


def _found(blob: bytes) -> set[str]:
    found = set()
    for word in SECRET_WORDS:
        for form in (word.encode(), word.lower().encode(), base64.b64encode(word.encode())[:8]):
            if form in blob:
                found.add(word)
    return found


def test_purge_wipes_personal_data_and_keeps_statistics(post):
    _life_of_a_case(post)
    assert _found(_everything_stored(post)) == set(SECRET_WORDS), "the search finds them before the purge"
    files = _database_files(post)
    assert files is None or PERSON.encode() in files, "the raw database files hold the address before"
    captured = list(post.settings.outbox_dir.glob("*.eml"))
    assert captured and any(p.read_bytes().count(PERSON.encode()) for p in captured)
    with time_machine.travel(CLOSED + timedelta(days=6 * 31), tick=False):
        dry = purge(post.database, post.settings, dry_run=True)
        assert (dry.tickets, dry.files) == (1, 1) and dry.messages >= 3
        assert _found(_everything_stored(post)) == set(SECRET_WORDS), "a dry run changes nothing"
        report = purge(post.database, post.settings)
        assert (report.tickets, report.messages, report.files) == (dry.tickets, dry.messages, dry.files)
    assert _found(_everything_stored(post)) == set()
    files = _database_files(post)
    assert files is None or not any(word.encode() in files for word in SECRET_WORDS)
    assert not list(post.settings.outbox_dir.glob("*.eml"))
    with post.database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.status, ticket.usefulness, ticket.closed_at) == ("closed", "oui", CLOSED)
        assert ticket.created_at == CLOSED - timedelta(days=3) and ticket.purged_at is not None
        assert [o.code for o in ticket.organisations] == ["CAF"] and [a.code for a in ticket.areas] == ["13"]
        assert "CAF 13" in [g.name for g in ticket.groups]
        assert len(ticket.messages) == report.messages + 0 and ticket.first_agent_reply_at is not None
        assert all(m.text == "" for m in ticket.messages)
    with time_machine.travel(CLOSED + timedelta(days=6 * 31 + 1), tick=False):
        assert purge(post.database, post.settings).tickets == 0, "purged once"


def test_a_recent_case_is_kept_and_old_raw_mail_is_dropped(post):
    _life_of_a_case(post)
    with time_machine.travel(CLOSED + timedelta(days=40), tick=False):
        report = purge(post.database, post.settings)
    assert report.tickets == 0 and report.raw_inbound >= 3 and report.raw_outbound >= 3
    with post.database.begin() as session:
        assert all(row.raw == b"" for row in session.scalars(select(InboundMail).where(InboundMail.state == "done")))
        assert all(row.raw == b"" for row in session.scalars(select(OutboundMail).where(OutboundMail.state == "sent")))
        assert session.scalars(select(Ticket)).one().subject == "RSA bloque Zephyrine Quillard"


def test_aplus_purge_dry_run_says_what_would_go(post):
    _life_of_a_case(post)
    url = post.database.engine.url.render_as_string(hide_password=False)
    env = {"APLUS_DATA_DIR": str(post.settings.data_dir), "APLUS_DATABASE_URL": url,
           "APLUS_SECRET_KEY": "test-secret-key"}
    with time_machine.travel(CLOSED + timedelta(days=200), tick=False):
        result = CliRunner().invoke(main, ["purge", "--dry-run"], env=env)
    assert result.exit_code == 0, result.output
    assert "Simulation : 1 dossier(s)" in result.output and "1 fichier(s) joint(s) seraient effacés" in result.output
    with post.database.begin() as session:
        assert session.scalars(select(Ticket)).one().purged_at is None
