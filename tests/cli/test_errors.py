"""What a newcomer's mistakes get: a French sentence on stderr, never a traceback.

Each command runs as a real process in a fresh folder, as a person would run
it after ``pip install``.
"""

from __future__ import annotations

import base64
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.gateway import request_mail
from tests.support.smtp_sink import free_port

APLUS = [sys.executable, "-m", "gateway.cli"]


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("APLUS_") and k != "DATABASE_URL"}
    return subprocess.run(APLUS + args, cwd=cwd, env={**clean, **env}, capture_output=True, timeout=120)


def said(result: subprocess.CompletedProcess) -> str:
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr, stderr
    return stderr


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "demande.eml").write_bytes(request_mail().as_bytes())
    return tmp_path


def test_explain_in_a_fresh_folder_works_without_creating_a_database(folder):
    result = run(["explain", "--json", "demande.eml"], folder)
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout.decode())["kind"] == "request"
    assert "poursuite sans base, comme avec --no-db" in said(result)
    assert not (folder / "var" / "aplus.db").exists()


def test_explain_with_an_unmigrated_database_says_to_upgrade(folder):
    (folder / "var").mkdir()
    sqlite3.connect(folder / "var" / "aplus.db").close()  # an empty file: no schema
    result = run(["explain", "--json", "demande.eml"], folder)
    assert result.returncode == 0
    assert "lancez « aplus db upgrade »" in said(result)


def test_explain_of_a_missing_file(folder):
    result = run(["explain", "absent.eml"], folder)
    assert result.returncode == 1
    assert "Erreur : fichier introuvable : absent.eml." in said(result)


def test_a_bad_setting_value_is_named(folder):
    result = run(["explain", "demande.eml"], folder, APLUS_SMTP_PORT="vingt-cinq")
    assert result.returncode == 1
    assert "Réglage invalide : APLUS_SMTP_PORT='vingt-cinq' doit être un nombre entier." in said(result)


def test_unreachable_postgresql(folder):
    url = f"postgresql://aplus@127.0.0.1:{free_port()}/aplus"
    result = run(["db", "upgrade"], folder, APLUS_DATABASE_URL=url)
    assert result.returncode == 1
    assert "Base de données injoignable (postgresql://aplus@127.0.0.1:" in said(result)


def test_read_only_command_without_a_database_creates_none(folder):
    result = run(["quarantine", "list"], folder)
    assert result.returncode == 1
    assert "pas de base de données" in said(result) and "aplus db upgrade" in result.stderr.decode()
    assert not (folder / "var" / "aplus.db").exists()


def test_a_command_on_an_unmigrated_database_says_to_upgrade(folder):
    (folder / "var").mkdir()
    sqlite3.connect(folder / "var" / "aplus.db").close()
    result = run(["quarantine", "requeue", "1"], folder)
    assert result.returncode == 1
    assert "n'est pas à jour (tables absentes) : lancez « aplus db upgrade »" in said(result)


def test_demo_send_without_a_running_gateway(folder):
    result = run(["demo", "send"], folder, APLUS_SMTP_PORT=str(free_port()))
    assert result.returncode == 1
    assert "Connexion refusée" in said(result)


def test_demo_load_loads_the_demo_directory_once(folder):
    first = run(["demo", "load"], folder)
    assert first.returncode == 0, first.stderr.decode()
    assert "Annuaire de démonstration chargé : " in first.stdout.decode()
    second = run(["demo", "load"], folder)
    assert "rien n'a été chargé" in second.stdout.decode()


def test_outbox_show_decodes_a_captured_mail(folder):
    empty = run(["outbox", "show"], folder)
    assert empty.returncode == 1 and "aucun courriel capturé" in said(empty)
    body = "Bonjour Marie,\n\nVotre demande est enregistrée sous la référence ABC123.\n"
    raw = (
        "X-Aplus-Envelope-To: marie@example.org\nFrom: A+ <aplus@aplus.localhost>\nTo: marie@example.org\n"
        "Subject: =?utf-8?q?Demande_enregistr=C3=A9e?=\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
        + base64.encodebytes(body.encode()).decode()
    ).encode()
    (folder / "var" / "outbox").mkdir(parents=True)
    (folder / "var" / "outbox" / "20260101-000000-1-marie_example.org.eml").write_bytes(raw)
    shown = run(["outbox", "show"], folder)
    assert shown.returncode == 0, shown.stderr.decode()
    text = shown.stdout.decode()
    assert "Subject : Demande enregistrée" in text and "sous la référence ABC123." in text
    assert "1 courriel(s)" in run(["outbox", "list"], folder).stdout.decode()


def test_quarantine_show_tells_the_reason_and_the_relays(tmp_path):
    from gateway.config import load_settings
    from gateway.storage import spool
    from gateway.storage.db import Database, upgrade

    settings = load_settings(environ={}, data_dir=tmp_path / "var")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url)
    database = Database.connect(settings.effective_database_url)
    raw = (b"Received: from mx.relais.example by mx.aplus.localhost with ESMTP; Tue, 14 Oct 2025 11:40:00 +0200\r\n"
           b"Received: from pc.example by mx.relais.example with SMTP; Tue, 14 Oct 2025 09:10:00 +0200\r\n"
           + request_mail().as_bytes())
    inbound_id = spool.enqueue(database, raw, rcpt_tos=[settings.address])
    database.dispose()
    shown = run(["quarantine", "show", str(inbound_id)], tmp_path)
    assert shown.returncode == 0, shown.stderr.decode()
    assert "Relais : 2, le plus long 2 h 30 (mx.relais.example -> mx.aplus.localhost)" in shown.stdout.decode()
    missing = run(["quarantine", "show", "999"], tmp_path)
    assert missing.returncode == 1 and "aucun message n° 999" in said(missing)
