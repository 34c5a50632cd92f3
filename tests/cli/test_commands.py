"""The ``aplus`` commands, run as a person or an MTA runs them: real processes."""

from __future__ import annotations

import json
import mailbox
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from gateway.models import InboundMail, Ticket
from tests.support.gateway import request_mail
from tests.support.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
APLUS = [sys.executable, "-m", "gateway.cli"]


def aplus(args: list[str], env: dict[str, str], *, stdin: bytes | None = None, timeout: float = 120):
    return subprocess.run(APLUS + args, input=stdin, capture_output=True, env={**os.environ, **env}, cwd=ROOT, timeout=timeout)


@pytest.fixture
def environment(tmp_path, database):
    url = database.engine.url.render_as_string(hide_password=False)
    return {"APLUS_DATA_DIR": str(tmp_path / "var"), "APLUS_DATABASE_URL": url, "APLUS_SECRET_KEY": "test-secret-key"}


def spooled(database) -> list[InboundMail]:
    with database.begin() as session:
        return list(session.scalars(select(InboundMail).order_by(InboundMail.id)))


def test_ingest_stores_a_mail_and_exits_0(environment, database):
    raw = request_mail().as_bytes()
    result = aplus(["ingest", "--from", "marie@example.org"], environment, stdin=raw)
    assert result.returncode == 0, result.stderr.decode()
    assert "Message enregistré" in result.stdout.decode()
    row = spooled(database)[0]
    assert row.raw == raw and row.source == "pipe" and row.recipients == ["aplus@aplus.localhost"]


def test_ingest_exits_75_when_the_database_is_down(environment, tmp_path):
    env = {**environment, "APLUS_DATABASE_URL": f"sqlite:///{tmp_path}/missing/folder/x.db"}
    result = aplus(["ingest"], env, stdin=request_mail().as_bytes())
    assert result.returncode == 75
    assert "réessayez plus tard" in result.stderr.decode()


def test_import_reads_an_mbox_and_a_maildir(environment, database, tmp_path):
    box = mailbox.mbox(str(tmp_path / "archive.mbox"))
    for number in range(3):
        box.add(request_mail(subject=f"Demande {number}"))
    box.flush()
    maildir = mailbox.Maildir(str(tmp_path / "maildir"))
    for number in range(2):
        maildir.add(request_mail(subject=f"Maildir {number}"))
    assert aplus(["import", str(tmp_path / "archive.mbox")], environment).returncode == 0
    result = aplus(["import", str(tmp_path / "maildir")], environment)
    assert result.returncode == 0 and "2 message(s) mis en file" in result.stdout.decode()
    subjects = sorted(row.raw.split(b"Subject: ")[1].split(b"\n")[0].decode() for row in spooled(database))
    assert subjects == ["Demande 0", "Demande 1", "Demande 2", "Maildir 0", "Maildir 1"]


def test_explain_prints_one_json_object_per_mail_in_order(environment, tmp_path):
    folder = tmp_path / "mails"
    folder.mkdir()
    (folder / "1.eml").write_bytes(request_mail(subject="RSA bloqué").as_bytes())
    ooo = request_mail(subject="Réponse automatique : absent")
    ooo["Auto-Submitted"] = "auto-replied"
    (folder / "2.eml").write_bytes(ooo.as_bytes())
    result = aplus(["explain", "--json", "--no-db", str(folder)], environment)
    assert result.returncode == 0, result.stderr.decode()
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [Path(line["file"]).name for line in lines] == ["1.eml", "2.eml"]
    first, second = lines
    keys = {"file", "kind", "requester", "aidant", "subject", "text", "elided", "attachments",
            "forwarded", "bounce", "routing", "defects"}
    assert keys <= set(first) and keys <= set(second)
    assert first["kind"] == "request" and first["requester"]["email"] == "marie.durand@example.org"
    assert [o["code"] for o in first["routing"]["organisations"]] == ["CAF"]
    assert [a["code"] for a in first["routing"]["areas"]][:1] == ["13"]
    assert second["kind"] == "auto_reply"


def test_explain_with_a_database_names_the_ticket_a_reply_would_join(environment, database, tmp_path):
    upgrade_url = environment["APLUS_DATABASE_URL"]
    from gateway.storage import spool
    from gateway.config import load_settings
    from gateway.processing.processor import drain

    settings = load_settings(environ={}, data_dir=Path(environment["APLUS_DATA_DIR"]), database_url=upgrade_url,
                             secret_key="test-secret-key")
    spool.enqueue(database, request_mail().as_bytes(), rcpt_tos=[settings.address])
    drain(database, settings)
    with database.begin() as session:
        ticket = session.scalars(select(Ticket)).one()
        reference = ticket.reference
    answer = request_mail(subject=f"Re: [A+ #{reference}] Mon RSA est bloqué", text="Merci !")
    path = tmp_path / "answer.eml"
    path.write_bytes(answer.as_bytes())
    result = aplus(["explain", "--json", str(path)], environment)
    line = json.loads(result.stdout.decode())
    assert line["thread"]["ticket"] == reference and line["kind"] == "reply"
    with database.begin() as session:  # explain changed nothing
        assert len(session.scalars(select(Ticket)).all()) == 1


@pytest.mark.slow
def test_lmtp_mode_accepts_mail_for_a_postfix_front_end(environment, database):
    port = free_port()
    env = {**environment}
    process = subprocess.Popen(APLUS + ["smtpd", "--lmtp", "--port", str(port)], env={**os.environ, **env}, cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client = smtplib.LMTP("127.0.0.1", port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with client:
            refused = client.sendmail("marie@example.org", ["aplus@aplus.localhost"], request_mail().as_bytes())
            assert refused == {}
        assert spooled(database)[0].source == "lmtp"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
