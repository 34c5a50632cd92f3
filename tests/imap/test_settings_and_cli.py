"""Mailboxes from the settings and the TOML file; ``aplus imap`` and ``aplus run`` with a real Dovecot."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gateway.config import load_settings
from gateway.inbound.imap_config import MailboxSettingsError, mailboxes_from_settings
from tests.imap.conftest import mail, wait_until
from tests.support.dovecot import PASSWORD
from tests.support.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]


def settings_from(tmp_path, toml: str = "", **environ):
    (tmp_path / "aplus.toml").write_text(toml, encoding="utf-8")
    return load_settings(environ={"APLUS_CONFIG": str(tmp_path / "aplus.toml"), **environ}, data_dir=tmp_path,
                         secret_key="k")


def test_no_mailbox_unless_configured(tmp_path):
    assert mailboxes_from_settings(settings_from(tmp_path)) == []


def test_one_mailbox_from_the_environment_with_its_defaults(tmp_path):
    settings = settings_from(tmp_path, APLUS_IMAP_HOST="imap.example.gouv.fr", APLUS_IMAP_USER="aplus",
                             APLUS_IMAP_PASSWORD="secret")
    (config,) = mailboxes_from_settings(settings)
    assert (config.folder, config.done_folder, config.security, config.effective_port) == ("INBOX", "Traités", "tls", 993)
    assert config.key == "aplus@imap.example.gouv.fr:993/INBOX"


def test_more_mailboxes_from_imap_tables_of_the_toml_file(tmp_path):
    toml = """
imap_password = "commun"
imap_security = "starttls"

[[imap]]
host = "imap.caf.example"
user = "aplus-caf"

[[imap]]
name = "Préfecture"
host = "mail.prefecture.example"
user = "aplus"
port = 1143
folder = "A+ entrant"
done_folder = "A+ traités"
"""
    first, second = mailboxes_from_settings(settings_from(tmp_path, toml))
    assert (first.host, first.password, first.security, first.effective_port) == ("imap.caf.example", "commun", "starttls", 143)
    assert (second.effective_port, second.folder, second.done_folder) == (1143, "A+ entrant", "A+ traités")


@pytest.mark.parametrize("toml, fragment", [
    ('[[imap]]\nhost = "h"\nuser = "u"\npassword = "p"\nsecurity = "ssl"\n', "security doit valoir tls, starttls ou none"),
    ('[[imap]]\nhost = "h"\nuser = "u"\npassword = "p"\nfolderr = "x"\n', "clé(s) inconnue(s) folderr"),
    ('[[imap]]\nhost = "h"\nuser = "u"\n', "il faut un mot de passe"),
    ('[[imap]]\nhost = "h"\nuser = "u"\nauth = "xoauth2"\n', "XOAUTH2 demande"),
    ('[[imap]]\nhost = "h"\nuser = "u"\npassword = "p"\nport = "abc"\n', "valeur invalide"),
    ('[[imap]]\nhost = "h"\nuser = "u"\npassword = "p"\n[[imap]]\nhost = "h"\nuser = "u"\npassword = "p"\n',
     "configurée deux fois"),
])
def test_a_mistake_is_told_in_french(tmp_path, toml, fragment):
    with pytest.raises(MailboxSettingsError, match=re.escape(fragment)):
        mailboxes_from_settings(settings_from(tmp_path, toml))


def aplus(*args, env, timeout=60):
    return subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env, cwd=ROOT, capture_output=True,
                          timeout=timeout)


def imap_env(tmp_path, dovecot, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APLUS_")}
    env.pop("DATABASE_URL", None)
    env.update({"APLUS_DATA_DIR": str(tmp_path / "var"), "APLUS_IMAP_HOST": "127.0.0.1",
                "APLUS_IMAP_PORT": str(dovecot.port), "APLUS_IMAP_USER": "aplus", "APLUS_IMAP_PASSWORD": PASSWORD,
                "APLUS_IMAP_SECURITY": "starttls", "APLUS_IMAP_CA_FILE": str(dovecot.cert), **extra})
    return env


@pytest.mark.slow
def test_aplus_imap_once_takes_the_mail_and_says_so(tmp_path, dovecot):
    dovecot.append(mail(1))

    result = aplus("imap", "--once", env=imap_env(tmp_path, dovecot))

    assert result.returncode == 0, result.stderr.decode()
    assert "1 message(s) mis en file, 1 déplacé(s)" in result.stdout.decode()
    assert dovecot.uids("INBOX") == []


@pytest.mark.slow
def test_aplus_imap_with_a_wrong_password_answers_a_sentence(tmp_path, dovecot):
    dovecot.append(mail(1))

    result = aplus("imap", "--once", env=imap_env(tmp_path, dovecot, APLUS_IMAP_PASSWORD="faux"))

    err = result.stderr.decode()
    assert result.returncode == 1
    assert "identifiant ou mot de passe refusé" in err and "Rien n'a été déplacé" in err and "Traceback" not in err
    assert len(dovecot.uids("INBOX")) == 1


@pytest.mark.slow
def test_aplus_imap_with_a_folder_that_does_not_exist_says_so(tmp_path, dovecot):
    result = aplus("imap", "--once", env=imap_env(tmp_path, dovecot, APLUS_IMAP_FOLDER="Réclamations"))

    err = result.stderr.decode()
    assert result.returncode == 1
    assert "le dossier « Réclamations » n'existe pas sur le serveur" in err and "Traceback" not in err


@pytest.mark.slow
def test_aplus_imap_with_a_bad_setting_answers_a_sentence(tmp_path, dovecot):
    result = aplus("imap", "--once", env=imap_env(tmp_path, dovecot, APLUS_IMAP_SECURITY="ssl"))

    assert result.returncode == 1
    assert "security doit valoir tls, starttls ou none" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


@pytest.mark.slow
@pytest.mark.timeout(420)  # aplus run starts five processes; on a loaded machine that takes a while
def test_aplus_run_polls_the_configured_mailbox(tmp_path, dovecot):
    env = imap_env(tmp_path, dovecot, APLUS_SMTP_PORT=str(free_port()), APLUS_ADMIN_PORT=str(free_port()))
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    outbox = tmp_path / "var" / "outbox"
    try:
        dovecot.append(mail(1))
        handled = wait_until(lambda: len(list(outbox.glob("*.eml"))) >= 2, timeout=200)  # acknowledgement + an agent
        moved = wait_until(lambda: dovecot.uids("INBOX") == [] and len(dovecot.uids("Traités")) == 1, timeout=10)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the workers too: they hold the output pipe
            output, _ = process.communicate()
    assert handled and moved, output.decode()[-3000:]
    assert process.returncode == 0, output.decode()[-3000:]
    assert "worker imap started" in output.decode()
