"""``aplus ingest`` and ``aplus import`` as an MTA and an operator run them (real processes)."""

from __future__ import annotations

import pytest

from gateway.addresses import personal_address
from gateway.config import load_settings
from tests.cli.test_commands import aplus, environment, spooled  # noqa: F401 - fixture
from tests.support.gateway import request_mail


def without_secret(environment: dict[str, str], data_dir) -> dict[str, str]:
    env = {**environment, "APLUS_DATA_DIR": str(data_dir)}
    env["APLUS_SECRET_KEY"] = ""
    return env


def test_ingest_exits_75_in_french_when_the_secret_key_cannot_be_created(environment, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    result = aplus(["ingest"], without_secret(environment, blocker / "var"), stdin=request_mail().as_bytes())
    assert result.returncode == 75, result.stderr.decode()
    assert "Configuration impossible" in result.stderr.decode()
    assert "Traceback" not in result.stderr.decode()


def test_a_permission_error_is_explained_with_what_to_do():
    from gateway.cli.app import describe_setup_error

    message = describe_setup_error(PermissionError(13, "Permission denied", "/srv/aplus/secret_key"))
    assert "accès refusé à /srv/aplus/secret_key" in message and "APLUS_SECRET_KEY" in message


@pytest.mark.parametrize("stdin", [b"", b"\r\n\r\n  \n"])
def test_ingest_refuses_an_empty_message_with_65_and_stores_nothing(environment, database, stdin):
    result = aplus(["ingest"], environment, stdin=stdin)
    assert result.returncode == 65
    assert "Message vide" in result.stderr.decode()
    assert spooled(database) == []


def test_ingest_applies_the_size_limit_as_smtp_does(environment, database):
    env = {**environment, "APLUS_MAX_MESSAGE_BYTES": "2000"}
    big = request_mail(text="x" * 5000).as_bytes()
    result = aplus(["ingest"], env, stdin=big)
    assert result.returncode == 65
    assert "trop volumineux" in result.stderr.decode() and "2000 octets" in result.stderr.decode()
    assert spooled(database) == []
    assert aplus(["ingest"], env, stdin=request_mail().as_bytes()).returncode == 0


def test_ingest_exits_75_in_french_when_the_schema_is_missing(environment, tmp_path):
    env = {**environment, "APLUS_DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}
    result = aplus(["ingest"], env, stdin=request_mail().as_bytes())
    assert result.returncode == 75
    assert "Message non enregistré" in result.stderr.decode() and "Traceback" not in result.stderr.decode()


def test_import_keeps_each_mails_own_envelope_recipient(environment, database, tmp_path):
    settings = load_settings(environ={}, data_dir=tmp_path / "var", secret_key="test-secret-key")
    token_address = personal_address(settings, "reply", 7, 12)
    folder = tmp_path / "mails"
    folder.mkdir()
    reply = request_mail(subject="Re: [A+ #ABC234] Mon RSA")
    reply["Delivered-To"] = token_address
    (folder / "1.eml").write_bytes(reply.as_bytes())
    foreign = request_mail(subject="Livré ailleurs")
    foreign["X-Original-To"] = "quelquun@ailleurs.example"  # not ours: the default applies
    (folder / "2.eml").write_bytes(foreign.as_bytes())
    (folder / "3.eml").write_bytes(request_mail(subject="Sans en-tête").as_bytes())
    (folder / "4.eml").write_bytes(b"")
    result = aplus(["import", str(folder), "--to", "postmaster@aplus.localhost"], environment)
    assert result.returncode == 0, result.stderr.decode()
    assert "3 message(s) mis en file" in result.stdout.decode() and "1 message(s) ignoré(s)" in result.stderr.decode()
    rows = spooled(database)
    assert [row.recipients for row in rows] == [[token_address], ["postmaster@aplus.localhost"],
                                                ["postmaster@aplus.localhost"]]
