"""A real Dovecot (Debian's dovecot-imapd) on loopback ports, with a throwaway configuration.

Everything lives in a temporary folder: the configuration, ``base_dir`` (its
sockets), the log, a passwd-file with the test users, the maildirs and a
self-signed certificate generated at start. The system's own Dovecot, if any,
is never touched: the instance has its own name and ports.

``extra_config`` lets a test take capabilities away (``imap_capability``
without MOVE or IDLE) to exercise the client's fallbacks on the same server.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

from tests.support.components import missing_component
from tests.support.smtp_sink import free_port

INSTALL_HINT = "install Debian's dovecot-imapd (scripts/install-system-deps.sh, or apt-get install dovecot-imapd)"
PASSWORD = "motdepasse-de-test"

CONFIG = """\
instance_name = {instance}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login xoauth2
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
mail_location = maildir:{root}/mail/%u
first_valid_uid = {mail_uid}
first_valid_gid = {mail_gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
{extra}
"""


@dataclass
class Dovecot:
    """One running instance; ``users`` maps user name to password."""

    users: dict[str, str] = field(default_factory=lambda: {"aplus": PASSWORD, "autre": PASSWORD})
    extra_config: str = ""
    root: Path = field(init=False)
    port: int = field(init=False, default=0)
    tls_port: int = field(init=False, default=0)
    process: subprocess.Popen | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if shutil.which("dovecot") is None or not Path("/usr/lib/dovecot/imap").exists():
            missing_component("Dovecot", INSTALL_HINT)
        # Under /tmp with 0755, not pytest's 0700 tmp_path: Dovecot's unprivileged processes must reach it.
        self.root = Path(tempfile.mkdtemp(prefix="aplus-dovecot-"))
        self.root.chmod(0o755)
        self.port, self.tls_port = free_port(), free_port()
        self._write_files()

    @property
    def cert(self) -> Path:
        return self.root / "cert.pem"

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    def _identities(self) -> dict[str, object]:
        if os.geteuid() == 0:
            mail = pwd.getpwnam("nobody")
            return {"internal_user": "dovecot", "internal_group": "dovecot", "login_user": "dovenull",
                    "mail_uid": mail.pw_uid, "mail_gid": mail.pw_gid}
        me = pwd.getpwuid(os.getuid())
        return {"internal_user": me.pw_name, "internal_group": me.pw_gid, "login_user": me.pw_name,
                "mail_uid": me.pw_uid, "mail_gid": me.pw_gid}

    def _write_files(self) -> None:
        identities = self._identities()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
             "-keyout", str(self.root / "key.pem"), "-out", str(self.cert)],
            check=True, capture_output=True,
        )
        (self.root / "passwd").write_text("".join(f"{user}:{{PLAIN}}{password}\n" for user, password in self.users.items()))
        for folder in ("mail", "home"):
            (self.root / folder).mkdir()
            os.chown(self.root / folder, int(identities["mail_uid"]), int(identities["mail_gid"]))
        self.config_path.write_text(CONFIG.format(
            instance=f"aplus-test-{uuid.uuid4().hex[:8]}", root=self.root, port=self.port, tls_port=self.tls_port,
            extra=self.extra_config, **identities))

    def start(self) -> "Dovecot":
        # Its own session: stopping the server stops every process of the instance, connections included.
        self.process = subprocess.Popen(["dovecot", "-F", "-c", str(self.config_path)], start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Dovecot did not start: {self.process.stderr.read().decode()} {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Dovecot did not listen within 20 s: " + self.log())

    def stop(self) -> None:
        """Stop the instance like a crash or a reboot would: master, logins and open IMAP sessions alike.

        Dovecot's IMAP processes outlive a terminated master (clients keep
        their sessions), so the whole process group is killed.
        """
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    # -- what a test does to the mailbox, as a mail client would --------------------

    def client(self, user: str = "aplus") -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, self.users[user])
        return client

    def append(self, raw: bytes, folder: str = "INBOX", user: str = "aplus") -> None:
        """Deliver a mail into a folder (IMAP APPEND), creating the folder when needed."""
        with self.client(user) as client:
            if not client.folder_exists(folder):
                client.create_folder(folder)
            client.append(folder, raw)

    def uids(self, folder: str = "INBOX", user: str = "aplus") -> list[int]:
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return []
            client.select_folder(folder, readonly=True)
            return sorted(client.search("ALL"))

    def messages(self, folder: str = "INBOX", user: str = "aplus") -> dict[int, dict]:
        """UID -> {b'BODY[]': raw, b'FLAGS': flags} of every mail in a folder."""
        with self.client(user) as client:
            if not client.folder_exists(folder):
                return {}
            client.select_folder(folder, readonly=True)
            uids = client.search("ALL")
            return client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}

    def set_uidvalidity(self, value: int, folder: str = "INBOX", user: str = "aplus") -> None:
        """Give a folder a new UIDVALIDITY, as a server rebuilding its indexes would."""
        subprocess.run(["doveadm", "-c", str(self.config_path), "mailbox", "update", "-u", user,
                        "--uid-validity", str(value), folder], check=True, capture_output=True)
