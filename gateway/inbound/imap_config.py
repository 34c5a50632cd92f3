"""Which IMAP mailboxes to poll, and how to log in to each.

One mailbox comes from the ``APLUS_IMAP_*`` settings; more come from
``[[imap]]`` tables of the TOML file, whose keys are the same names without
the ``imap_`` prefix (``host``, ``user``, ``password_file``, ``folder``...) and
default to the ``imap_*`` settings. A mistake is a ``MailboxSettingsError``
with a French sentence, raised before any connection is tried.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from gateway.config import Settings, _coerce

SECURITIES = ("tls", "starttls", "none")
AUTHS = ("login", "xoauth2")
DONE_ACTIONS = ("move", "flag")


class MailboxSettingsError(ValueError):
    """A mailbox is configured wrongly; the message is for the person running ``aplus``."""


@dataclass(frozen=True)
class MailboxConfig:
    """One polled folder of one account."""

    host: str
    user: str
    port: int = 0
    password: str = ""
    password_file: str = ""
    security: str = "tls"
    folder: str = "INBOX"
    done_folder: str = "Traités"
    done_action: str = "move"
    auth: str = "login"
    oauth2_token_command: str = ""
    oauth2_token_file: str = ""
    ca_file: str = ""
    poll_seconds: float = 60.0
    idle_seconds: float = 600.0
    lease_seconds: float = 120.0
    timeout: float = 60.0

    @property
    def effective_port(self) -> int:
        return self.port or (993 if self.security == "tls" else 143)

    @property
    def key(self) -> str:
        """How the database names this mailbox (its UIDVALIDITY, last UID, lease)."""
        return f"{self.user}@{self.host}:{self.effective_port}/{self.folder}"

    def secret(self) -> str:
        """The password, or the OAuth2 access token, read fresh at each login (tokens expire)."""
        if self.auth == "xoauth2":
            return _oauth2_token(self)
        if self.password_file:
            return _read_secret_file(self.password_file, "mot de passe IMAP")
        return self.password


def mailboxes_from_settings(settings: Settings) -> list[MailboxConfig]:
    """The mailboxes to poll: the ``APLUS_IMAP_*`` one (when a host is set), then each ``[[imap]]`` table."""
    defaults = {f.name: getattr(settings, "imap_" + f.name) for f in fields(MailboxConfig)}
    configs: list[MailboxConfig] = []
    if settings.imap_host:
        configs.append(_checked(defaults, "APLUS_IMAP_*"))
    for number, table in enumerate(settings.imap_mailboxes, start=1):
        unknown = sorted(set(table) - set(defaults) - {"name"})
        if unknown:
            raise MailboxSettingsError(
                f"Boîte IMAP n° {number} du fichier de configuration : clé(s) inconnue(s) {', '.join(unknown)}.")
        configs.append(_checked({**defaults, **{k: v for k, v in table.items() if k != "name"}},
                                f"boîte IMAP n° {number} du fichier de configuration"))
    keys = [config.key for config in configs]
    if len(set(keys)) != len(keys):
        raise MailboxSettingsError("La même boîte IMAP (compte et dossier) est configurée deux fois.")
    return configs


def _checked(values: dict[str, Any], where: str) -> MailboxConfig:
    try:
        config = MailboxConfig(**{f.name: _coerce(f.type, values.get(f.name, "")) for f in fields(MailboxConfig)})
    except (TypeError, ValueError) as error:
        raise MailboxSettingsError(f"{where} : valeur invalide ({error}).") from None
    if not config.host or not config.user:
        raise MailboxSettingsError(f"{where} : il faut un serveur (host) et un identifiant (user).")
    if config.security not in SECURITIES:
        raise MailboxSettingsError(f"{where} : security doit valoir tls, starttls ou none, pas « {config.security} ».")
    if config.auth not in AUTHS:
        raise MailboxSettingsError(f"{where} : auth doit valoir login ou xoauth2, pas « {config.auth} ».")
    if config.done_action not in DONE_ACTIONS:
        raise MailboxSettingsError(f"{where} : done_action doit valoir move ou flag, pas « {config.done_action} ».")
    if config.auth == "xoauth2" and not (config.oauth2_token_command or config.oauth2_token_file):
        raise MailboxSettingsError(f"{where} : XOAUTH2 demande oauth2_token_command ou oauth2_token_file.")
    if config.auth == "login" and not (config.password or config.password_file):
        raise MailboxSettingsError(f"{where} : il faut un mot de passe (password ou password_file).")
    if config.done_action == "move" and config.done_folder == config.folder:
        raise MailboxSettingsError(f"{where} : le dossier des messages traités doit différer du dossier relevé.")
    return config


def _read_secret_file(path: str, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise MailboxSettingsError(f"Impossible de lire le fichier du {what} {path} : {error.strerror}.") from None


def _oauth2_token(config: MailboxConfig) -> str:
    """An access token from a file (refreshed by another tool) or a command (which prints it)."""
    if config.oauth2_token_file:
        return _read_secret_file(config.oauth2_token_file, "jeton OAuth2")
    try:
        result = subprocess.run(shlex.split(config.oauth2_token_command), capture_output=True, text=True,
                                timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise MailboxSettingsError(f"La commande du jeton OAuth2 n'a pas pu s'exécuter : {error}.") from None
    token = result.stdout.strip()
    if result.returncode != 0 or not token:
        raise MailboxSettingsError(
            f"La commande du jeton OAuth2 a échoué (code {result.returncode}) : {result.stderr.strip()[:200]}")
    return token
