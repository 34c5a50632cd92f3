"""Peak memory of the receiver under oversize mail (run by hand).

    .venv/bin/python benchmarks/smtp_memory.py [--parallel 8] [--megabytes 40]

Starts ``aplus smtpd`` (SQLite in a temporary folder), sends ``--parallel``
mails of ``--megabytes`` MB at once over as many connections, without SIZE
(so the receiver only learns the size by reading), and prints each answer and
the receiver's peak resident memory (VmHWM) before and after. Issue 10
measured 440 MB for 8 x 40 MB before the DATA budget.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.smtp_sink import free_port  # noqa: E402


def peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def send(port: int, size: int) -> str:
    line = b"y" * 76 + b"\r\n"
    body = b"From: a@example.org\r\nTo: aplus@aplus.localhost\r\nSubject: gros\r\n\r\n" + line * (size // len(line))
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=300) as client:
            client.ehlo()
            client.esmtp_features.pop("size", None)  # do not announce SIZE: the server must read to know
            client.mail("a@example.org")
            client.rcpt("aplus@aplus.localhost")
            code, answer = client.data(body)
            return f"{code} {answer.decode()[:60]}"
    except (OSError, smtplib.SMTPException) as error:
        return f"{type(error).__name__}: {error}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--megabytes", type=int, default=40)
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="aplus-smtp-memory-")
    port = free_port()
    env = {**os.environ, "APLUS_DATA_DIR": folder, "APLUS_SMTP_PORT": str(port), "APLUS_SECRET_KEY": "x"}
    env.pop("DATABASE_URL", None)
    env.pop("APLUS_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "gateway.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    server = subprocess.Popen([sys.executable, "-m", "gateway.cli", "smtpd"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
                break
            except OSError:
                time.sleep(0.2)
        before = peak_mb(server.pid)
        with ThreadPoolExecutor(options.parallel) as pool:
            answers = list(pool.map(lambda _: send(port, options.megabytes * 1_000_000), range(options.parallel)))
        after = peak_mb(server.pid)
    finally:
        server.terminate()
        server.wait(30)
    for answer in answers:
        print("  ", answer)
    print(f"{options.parallel} x {options.megabytes} MB without SIZE: receiver peak {before:.0f} MB before, {after:.0f} MB after")


if __name__ == "__main__":
    main()
