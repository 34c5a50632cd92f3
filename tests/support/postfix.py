"""A real Postfix (Debian's postfix) on loopback ports, configured by docs/postfix.md itself.

Its own config_directory, queue_directory and data_directory in a temporary
folder; the system's mail is never touched. The A+ part of the configuration
is read from the blocks of ``docs/postfix.md``, with only the names, ports and
paths of ``DOC_SUBSTITUTIONS`` changed, so the documentation is what is tested.

The master daemon is started directly (``master -c DIR -d``, what ``postfix -c
DIR start-fg`` runs): the ``postfix`` wrapper insists on a system-wide
``/etc/postfix/main.cf`` listing the alternate directory, and creating one
would touch the system's configuration. Logs go to its standard output, kept
in ``maillog``.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.components import missing_component
from tests.support.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "postfix.md"
INSTALL_HINT = "install Debian's postfix (scripts/install-system-deps.sh, or apt-get install postfix)"
MASTER = Path("/usr/lib/postfix/sbin/master")
#: The documentation's example domain becomes the tests' gateway domain.
DOMAIN = "aplus.localhost"

BASE_MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
meta_directory = /etc/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = /dev/stdout
syslog_name = aplus-test-postfix
alias_maps =
alias_database =
"""

#: After the documentation's block: where the tests' Postfix sends what is not for the gateway, and fast retries.
TEST_MAIN_CF = """\
relayhost = [127.0.0.1]:{sink_port}
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
"""

BASE_MASTER_CF = """\
127.0.0.1:{smtp_port} inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""

QUEUE_DIRS = ("active", "bounce", "corrupt", "defer", "deferred", "flush", "hold", "incoming", "private", "saved",
              "trace")


def doc_blocks() -> dict[str, str]:
    """The configuration blocks of docs/postfix.md by name (```ini main.cf ... ```)."""
    return {name: body for name, body in re.findall(r"```\w+ ([\w.-]+)\n(.*?)```", DOC.read_text(), re.DOTALL)}


def pipe_command() -> str:
    """How Postfix's pipe user (``nobody``) runs ``aplus``: this checkout, with an interpreter it may execute."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    site = next((ROOT / ".venv" / "lib").glob("python3*/site-packages"), None)
    if _runs_as_nobody(venv_python):
        return f"{venv_python} -m gateway.cli"
    # The venv's interpreter may live under a private home: the system's Python 3 of the same
    # version runs the same installed packages.
    return f"PYTHONPATH={ROOT}:{site} /usr/bin/python3 -m gateway.cli"


def _runs_as_nobody(python: Path) -> bool:
    try:
        return subprocess.run(["su", "nobody", "-s", "/bin/sh", "-c", f"{python} -c ''"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class Postfix:
    """One instance; ``transport`` is the aplus-transport line's right-hand side after substitution."""

    def __init__(self, *, sink_port: int, lmtp_port: int = 0, transport: str = "lmtp-inet",
                 gateway_toml: str = "") -> None:
        if not MASTER.exists() or shutil.which("postconf") is None:
            missing_component("Postfix", INSTALL_HINT)
        if os.geteuid() != 0:
            missing_component("Postfix (run as root)", "the test Postfix needs root to start its master daemon")
        self.root = Path(tempfile.mkdtemp(prefix="aplus-postfix-"))
        self.root.chmod(0o755)
        self.etc = self.root / "etc"
        self.smtp_port, self.sink_port, self.lmtp_port = free_port(), sink_port, lmtp_port
        self.socket_path = self.root / "queue" / "aplus" / "lmtp.sock"
        self.toml = self.root / "aplus.toml"
        self.toml.write_text(gateway_toml)
        self.toml.chmod(0o644)
        self.process: subprocess.Popen | None = None
        self._write(transport)

    # -- configuration ------------------------------------------------------------------

    def substitutions(self) -> list[tuple[str, str]]:
        return [
            ("/etc/ssl/certs/mx.aplus.example.gouv.fr.pem", str(self.root / "cert.pem")),
            ("/etc/ssl/private/mx.aplus.example.gouv.fr.key", str(self.root / "key.pem")),
            ("aplus\\.example\\.gouv\\.fr", DOMAIN.replace(".", "\\.")),
            ("aplus.example.gouv.fr", DOMAIN),
            ("/etc/postfix/", f"{self.etc}/"),
            ("127.0.0.1:2424", f"127.0.0.1:{self.lmtp_port}"),
            ("/etc/aplus/aplus.toml", str(self.toml)),
            ("/opt/aplus/.venv/bin/aplus", pipe_command()),
            ("user=aplus", "user=nobody"),
        ]

    def _from_doc(self, text: str) -> str:
        for old, new in self.substitutions():
            text = text.replace(old, new)
        return text

    def _write(self, transport: str) -> None:
        blocks = doc_blocks()
        self.etc.mkdir()
        (self.root / "data").mkdir()
        os.chown(self.root / "data", pwd.getpwnam("postfix").pw_uid, 0)
        self._make_queue()
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=mx.aplus.localhost", "-keyout", str(self.root / "key.pem"),
                        "-out", str(self.root / "cert.pem")], check=True, capture_output=True)
        (self.etc / "main.cf").write_text(BASE_MAIN_CF.format(root=self.root) + self._from_doc(blocks["main.cf"])
                                          + TEST_MAIN_CF.format(sink_port=self.sink_port))
        (self.etc / "master.cf").write_text(BASE_MASTER_CF.format(smtp_port=self.smtp_port)
                                            + self._from_doc(blocks["master.cf"]))
        (self.etc / "aplus-recipients").write_text(self._from_doc(blocks["aplus-recipients"]))
        documented = self._from_doc(blocks["aplus-transport"])
        right_hand = {"lmtp-inet": f"lmtp:inet:127.0.0.1:{self.lmtp_port}", "lmtp-unix": "lmtp:unix:aplus/lmtp.sock",
                      "pipe": "aplus-pipe:"}[transport]
        (self.etc / "aplus-transport").write_text(re.sub(r"lmtp:inet:\S+", right_hand, documented))

    def _make_queue(self) -> None:
        queue = self.root / "queue"
        postfix, postdrop = pwd.getpwnam("postfix").pw_uid, grp.getgrnam("postdrop").gr_gid
        for name in QUEUE_DIRS:
            (queue / name).mkdir(parents=True)
            os.chown(queue / name, postfix, 0)
            (queue / name).chmod(0o700)
        for name, mode in (("maildrop", 0o730), ("public", 0o710)):
            (queue / name).mkdir()
            os.chown(queue / name, postfix, postdrop)
            (queue / name).chmod(mode)
        (queue / "pid").mkdir()
        (queue / "aplus").mkdir()  # where the gateway's LMTP socket goes, as in the documentation

    # -- life cycle ----------------------------------------------------------------------

    def start(self) -> "Postfix":
        check = subprocess.run(["postconf", "-c", str(self.etc), "-n"], capture_output=True)
        if check.returncode != 0:
            raise RuntimeError(f"postconf refuses the configuration: {check.stderr.decode()}")
        self.log_file = open(self.root / "maillog", "ab")
        self.process = subprocess.Popen([str(MASTER), "-c", str(self.etc), "-d"], stdout=self.log_file,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("Postfix did not start: " + self.log())
            try:
                socket.create_connection(("127.0.0.1", self.smtp_port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("Postfix did not listen within 20 s: " + self.log())

    def close(self) -> None:
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.log_file.close()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""

    def deferred(self) -> int:
        """Mails waiting in the deferred queue."""
        return sum(1 for path in (self.root / "queue" / "deferred").rglob("*") if path.is_file())

    def wait_for_log(self, pattern: str, timeout: float = 30.0) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.log())
            if found:
                return found
            time.sleep(0.1)
        raise AssertionError(f"Postfix never logged {pattern!r}:\n{self.log()[-3000:]}")


def gateway_toml(database_url: str, **values) -> str:
    """The gateway's TOML file for the pipe transport (the documentation's aplus.toml, tests' values)."""
    lines = [f'database_url = "{database_url}"', f'address = "aplus@{DOMAIN}"', 'secret_key = "test-secret-key"']
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in values.items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # print the configuration the tests would use
    print(Postfix(sink_port=2525, lmtp_port=2424).etc, file=sys.stderr)
