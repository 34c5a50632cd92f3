"""Settings: environment over file over defaults; the secret key is generated once."""

from __future__ import annotations

from gateway.config import load_settings


def test_defaults_match_the_readme(tmp_path):
    settings = load_settings(environ={"APLUS_DATA_DIR": str(tmp_path)})
    assert settings.address == "aplus@aplus.localhost" and settings.smtp_port == 2525
    assert settings.delivery == "capture" and settings.outbox_dir == tmp_path / "outbox"
    assert settings.effective_database_url == f"sqlite:///{(tmp_path / 'aplus.db').resolve()}"


def test_environment_wins_over_the_file(tmp_path):
    (tmp_path / "aplus.toml").write_text('smtp_port = 2600\naddress = "contact@fichier.example"\nrelay_starttls = true\n')
    settings = load_settings(environ={"APLUS_DATA_DIR": str(tmp_path), "APLUS_SMTP_PORT": "2700"})
    assert settings.smtp_port == 2700  # environment
    assert settings.address == "contact@fichier.example" and settings.domain == "fichier.example"  # file
    assert settings.relay_starttls is True


def test_the_secret_key_is_generated_once_and_private(tmp_path):
    first = load_settings(environ={"APLUS_DATA_DIR": str(tmp_path)})
    second = load_settings(environ={"APLUS_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 64 and first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    other = load_settings(environ={"APLUS_DATA_DIR": str(tmp_path / "autre")})
    assert other.secret_key != first.secret_key


def test_database_url_is_taken_from_database_url_too(tmp_path):
    settings = load_settings(environ={"APLUS_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://x@h/db"})
    assert settings.effective_database_url == "postgresql://x@h/db"


def test_overrides_given_as_strings_get_the_settings_types(tmp_path):
    settings = load_settings(environ={}, data_dir=str(tmp_path), smtp_port="2600", relay_starttls="oui")
    assert settings.outbox_dir == tmp_path / "outbox"
    assert settings.smtp_port == 2600 and settings.relay_starttls is True
