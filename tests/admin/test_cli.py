"""``aplus admin create-user`` and ``aplus admin login-link``: French answers, the password from stdin only."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from admin.passwords import verify_password
from gateway.cli import main
from gateway.models import Account, Area, Organisation
from tests.admin.conftest import PASSWORD


@pytest.fixture
def run(settings, monkeypatch):
    monkeypatch.setenv("APLUS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("APLUS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("APLUS_SECRET_KEY", settings.secret_key)

    def invoke(*args: str, stdin: str = ""):
        return CliRunner().invoke(main, ["admin", *args], input=stdin)

    return invoke


@pytest.fixture
def directory(database):
    with database.begin() as session:
        session.add_all([Area(code="13", name="Bouches-du-Rhône"), Organisation(code="CAF", name="Caisse d'allocations familiales")])


def test_create_user_reads_the_password_from_stdin_and_hashes_it(run, database):
    result = run("create-user", "Chef@Aplus.Example.gouv.fr", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Compte admin créé pour chef@aplus.example.gouv.fr" in result.output
    with database.begin() as session:
        account = session.scalars(select(Account)).one()
        assert account.email == "chef@aplus.example.gouv.fr" and account.role == "admin"
        assert account.password_hash.startswith("$argon2id$") and verify_password(account.password_hash, PASSWORD)


def test_a_manager_gets_the_scopes_named(run, database, directory):
    result = run("create-user", "resp@caf.example.fr", "--role", "manager", "--area", "13", "--organisation", "caf",
                 "--password-stdin", stdin=PASSWORD)
    assert result.exit_code == 0, result.output
    with database.begin() as session:
        account = session.scalars(select(Account)).one()
        assert [(s.area_id is not None, s.organisation_id is not None) for s in account.scopes] == [(True, True)]


@pytest.mark.parametrize("args, stdin, message", [
    (["x@example.fr", "--role", "admin"], PASSWORD, "--password-stdin"),
    (["x@example.fr", "--role", "admin", "--password-stdin"], "", "Aucun mot de passe reçu"),
    (["x@example.fr", "--role", "admin", "--password-stdin"], "court123", "au moins 12 caractères"),
    (["x@example.fr", "--role", "admin", "--password-stdin"], "azertyuiop123456", "trop courant"),
    (["pas-une-adresse", "--role", "admin", "--password-stdin"], PASSWORD, "n'est pas une adresse électronique valide"),
    (["x@example.fr", "--role", "manager", "--password-stdin"], PASSWORD, "au moins un département"),
    (["x@example.fr", "--role", "manager", "--area", "99", "--password-stdin"], PASSWORD, "Département inconnu : « 99 »"),
    (["x@example.fr", "--role", "manager", "--organisation", "NASA", "--password-stdin"], PASSWORD, "Organisme inconnu"),
    (["x@example.fr", "--role", "admin", "--area", "13", "--password-stdin"], PASSWORD, "qu'avec --role manager"),
])
def test_mistakes_get_a_french_sentence_and_no_account(run, database, directory, args, stdin, message):
    result = run("create-user", *args, stdin=stdin)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    with database.begin() as session:
        assert session.scalars(select(Account)).first() is None


def test_an_existing_account_is_not_replaced(run):
    assert run("create-user", "x@example.fr", "--role", "admin", "--password-stdin", stdin=PASSWORD).exit_code == 0
    again = run("create-user", "x@example.fr", "--role", "observer", "--password-stdin", stdin=PASSWORD)
    assert again.exit_code == 1 and "Un compte existe déjà pour x@example.fr" in again.output


def test_login_link_prints_a_one_time_link(run, settings):
    run("create-user", "x@example.fr", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    result = run("login-link", "x@example.fr")
    assert result.exit_code == 0 and "/connexion/lien/" in result.output
    assert run("login-link", "personne@example.fr").output.startswith("Error: Aucun compte actif")


def test_a_port_already_taken_is_a_french_sentence(settings, database):
    import click

    from admin.server import AdminServer
    from gateway.cli.admin import start_admin
    from dataclasses import replace

    first = AdminServer(settings, database, host="127.0.0.1", port=0).start()
    try:
        with pytest.raises(click.ClickException) as refused:
            start_admin(replace(settings, admin_port=first.port), database)
        assert f"Impossible d'ouvrir l'administration sur 127.0.0.1:{first.port}" in refused.value.message
        assert "APLUS_ADMIN_PORT" in refused.value.message
    finally:
        first.stop()
