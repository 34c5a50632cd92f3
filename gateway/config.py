"""Settings, read once from ``APLUS_*`` variables and an optional TOML file.

Settings are a frozen value passed explicitly to whatever needs them (the SMTP
handler, the processor, the delivery worker, the admin app): no global config
object, so a test can run two gateways side by side with different settings.

Precedence: environment variable > config file > embedded default. The config
file is ``$APLUS_CONFIG`` or, when present, ``<data folder>/aplus.toml``; its
keys are the setting names below, lower-case, without the prefix.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

PREFIX = "APLUS_"


@dataclass(frozen=True)
class Settings:
    """Every knob of the gateway, with the embedded defaults of ``make run``."""

    data_dir: Path = Path("var")
    database_url: str = ""  # empty: SQLite file in the data folder
    address: str = "aplus@aplus.localhost"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    lmtp: bool = False
    max_message_bytes: int = 30 * 1024 * 1024
    secret_key: str = ""  # empty: generated once, kept in <data folder>/secret_key
    delivery: str = "capture"  # "capture" writes .eml files; "relay" sends through relay_*
    relay_host: str = "127.0.0.1"
    relay_port: int = 25
    relay_starttls: bool = False
    relay_username: str = ""
    relay_password: str = ""
    relay_timeout: float = 30.0
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    retry_for_seconds: float = 2 * 24 * 3600.0  # give up a temporary failure after this
    process_max_attempts: int = 5
    process_lease_seconds: float = 300.0  # a crashed processor's mail is retried after this
    default_group: str = "Équipe nationale A+"
    sender_hourly_limit: int = 20  # new tickets one sender may open per hour
    ticket_hourly_limit: int = 60  # messages one ticket may take per hour (loop brake)
    poll_interval: float = 0.5
    processors: int = 2  # processor processes started by ``aplus run``
    site_name: str = "A+"
    # IMAP mailbox polled by ``aplus imap`` / ``aplus run`` (none when imap_host is empty); see gateway/inbound/imap.py
    imap_host: str = ""
    imap_port: int = 0  # 0: 993 for tls, 143 otherwise
    imap_user: str = ""
    imap_password: str = ""
    imap_password_file: str = ""
    imap_security: str = "tls"  # tls, starttls, none
    imap_folder: str = "INBOX"
    imap_done_folder: str = "Traités"
    imap_done_action: str = "move"  # move (to imap_done_folder), or flag (leave in place, flagged)
    imap_auth: str = "login"  # login, or xoauth2 (token from imap_oauth2_token_command or _file)
    imap_oauth2_token_command: str = ""
    imap_oauth2_token_file: str = ""
    imap_ca_file: str = ""  # CA bundle to trust instead of the system's (internal CA, self-signed)
    imap_poll_seconds: float = 60.0  # between polls when the server has no IDLE
    imap_idle_seconds: float = 600.0  # longest IDLE before a fresh poll (RFC 2177 says under 29 min)
    imap_lease_seconds: float = 120.0
    imap_timeout: float = 60.0
    imap_mailboxes: tuple = ()  # more mailboxes: [[imap]] tables of the TOML file
    raw_compression: str = "auto"  # raw mail: "zlib", "none", or "auto" (zlib on SQLite; PostgreSQL compresses itself)
    statistics_every_mails: int = 2000  # a processor refreshes the planner's statistics after this many mails
    admin_host: str = "127.0.0.1"  # the oversight admin (``aplus admin``, started by ``aplus run``)
    admin_port: int = 8080
    admin_url: str = ""  # public URL of the admin, used in magic links; empty: http://admin_host:admin_port
    admin_secure_cookies: bool = True  # send the session cookie over HTTPS only (browsers accept it on loopback)
    admin_session_hours: float = 12.0  # a login lasts this long at most
    admin_proxies: int = 0  # reverse proxies in front of the admin whose X-Forwarded-For is trusted
    admin_assets_dir: str = ""  # node_modules holding @gouvfr/dsfr; empty: the checkout's node_modules
    reopen_days: int = 30  # a reply this many days after closing reopens; later it opens a new ticket
    late_business_days: int = 3  # no agent answer after this: the ticket is late, its groups reminded
    experts_business_days: int = 5  # still no answer: the area's managers and experts are brought in
    retention_months: int = 6  # personal data of tickets closed longer ago is wiped
    raw_mail_retention_days: int = 30  # raw bytes of processed inbound and delivered outbound mail kept this long
    tick_interval: float = 300.0  # seconds between two scheduler passes inside ``aplus run``
    digest_weekday: int = 0  # day of the weekly digest of open cases (0 = Monday)
    trusted_forwarder_domains: str = ""  # comma-separated: France Services/MSAP domains whose forwards name the requester
    trusted_forwarder_addresses: str = ""  # comma-separated addresses of MSAP/France Services staff (agents are known anyway)
    trusted_authserv_id: str = ""  # authserv-id of the MTA whose Authentication-Results header we trust; empty: check ourselves
    dns_servers: str = ""  # "host:port,..." for authentication lookups; empty: the system resolver
    dns_timeout: float = 3.0  # seconds per authentication lookup before "no verdict"
    dkim_sign: bool = True  # sign outbound mail with DKIM at delivery
    dkim_selector: str = "aplus"  # DKIM selector; the key lives in <data folder>/dkim/<selector>.key
    understand_isolated: bool = True  # read each mail in a child process the processor can kill
    understand_timeout_seconds: float = 15.0  # budget of one reading; over it the attempt fails
    understand_memory_mb: int = 1024  # memory ceiling of the reading child, above what it starts with
    smtp_max_connections: int = 300  # open SMTP/LMTP connections at once; more get 421
    smtp_max_connections_per_client: int = 20  # per client address (Postfix in front: its concurrency)
    smtp_max_session_seconds: float = 600.0  # a session is closed after this, whatever it sends
    smtp_max_commands: int = 1000  # times one command may come per session (NOOP, RSET, EHLO...: 20)
    smtp_data_memory_bytes: int = 128 * 1024 * 1024  # DATA buffered by all sessions together; over it 451
    admin_metrics_public: bool = False  # /healthz and /metrics answer any address, not only loopback
    relay_max_bytes: int = 10 * 1000 * 1000  # biggest mail relayed to participants; bigger files become links
    attachment_link_days: int = 30  # how long a download link of such a file stays valid
    extra: Mapping[str, Any] = field(default_factory=dict)

    # -- derived values -------------------------------------------------
    @property
    def local_part(self) -> str:
        return self.address.rsplit("@", 1)[0].lower()

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1].lower()

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'aplus.db').resolve()}"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def admin_base_url(self) -> str:
        return (self.admin_url or f"http://{self.admin_host}:{self.admin_port}").rstrip("/")

    @property
    def secret(self) -> bytes:
        return self.secret_key.encode()


def _coerce(kind: Any, value: Any) -> Any:
    """Turn a string from the environment into the type of the setting."""
    if kind in (bool, "bool"):
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on", "oui")
    if kind in (int, "int"):
        return int(value)
    if kind in (float, "float"):
        return float(value)
    if kind in (Path, "Path"):
        return Path(value)
    return str(value)


def _read_file(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from the environment, the config file and ``overrides``.

    The secret key is generated on first use and stored with mode 0600 in the
    data folder, so it survives restarts and is never part of the code.
    """
    env = os.environ if environ is None else environ
    known = {f.name: f.type for f in fields(Settings) if f.name not in ("extra", "imap_mailboxes")}
    values: dict[str, Any] = {}
    data_dir = Path(env.get(PREFIX + "DATA_DIR", overrides.get("data_dir", "var")))
    config_path = env.get(PREFIX + "CONFIG") or (data_dir / "aplus.toml")
    if Path(config_path).is_file():
        for key, value in _read_file(Path(config_path)).items():
            if key == "imap" and isinstance(value, list):  # [[imap]] tables: one per extra mailbox
                values["imap_mailboxes"] = tuple(dict(table) for table in value)
            elif key in known:
                values[key] = _coerce(known[key], value)
    for name, kind in known.items():
        if PREFIX + name.upper() in env:
            values[name] = _coerce(kind, env[PREFIX + name.upper()])
    if "database_url" not in values and env.get("DATABASE_URL"):
        values["database_url"] = env["DATABASE_URL"]
    values.update({name: _coerce(known[name], value) if name in known else value for name, value in overrides.items()})
    settings = Settings(**values)
    if not settings.secret_key:
        settings = replace(settings, secret_key=ensure_secret_key(settings.data_dir))
    return settings


def ensure_secret_key(data_dir: Path) -> str:
    """Return the key kept in the data folder, creating it on first run."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def normalise_database_url(url: str) -> str:
    """Make a bare ``postgresql://`` URL use psycopg 3, the driver we ship."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    return url
