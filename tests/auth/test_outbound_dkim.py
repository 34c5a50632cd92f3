"""What the gateway sends is DKIM-signed; the record ``aplus dkim`` prints verifies it."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import dkim
import pytest

from gateway.authentication import dkim_signing
from gateway.authentication.dns import Resolver
from gateway.outbound.outbox import deliver_due
from gateway.outbound.transports import CaptureTransport
from tests.support.gateway import open_request

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def printed_record(settings) -> tuple[str, str]:
    """Run ``aplus dkim`` as an operator would; returns (name, TXT value) from its output."""
    env = {**os.environ, "APLUS_DATA_DIR": str(settings.data_dir), "APLUS_SECRET_KEY": "x"}
    full = subprocess.run([sys.executable, "-m", "gateway.cli", "dkim"], env=env, cwd=ROOT, capture_output=True,
                          timeout=60, check=True).stdout.decode()
    line = next(line for line in full.splitlines() if " IN TXT " in line)
    name = line.split()[0].rstrip(".")
    value = "".join(part for part in line.split('"')[1::2])
    only = subprocess.run([sys.executable, "-m", "gateway.cli", "dkim", "--txt"], env=env, cwd=ROOT,
                          capture_output=True, timeout=60, check=True).stdout.decode().strip()
    assert value == only and value.startswith("v=DKIM1; k=rsa; p=")
    return name, value


def verifier(dns, name: str, value: str):
    dns.txt(name, value)
    resolver = Resolver(dns.address, 1.0)
    return lambda raw: dkim.verify(raw, dnsfunc=lambda n, timeout=5: (resolver.txt(n.decode()) or [""])[0].encode())


def test_relayed_mail_verifies_against_the_printed_record(gateway, dns):
    open_request(gateway)
    key = dkim_signing.key_path(gateway.settings)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    verify = verifier(dns, *printed_record(gateway.settings))
    assert gateway.sink.received
    for received in gateway.sink.received:
        assert received.data.startswith(b"DKIM-Signature:") and verify(received.data)
        assert not verify(received.data.replace(b"Subject: ", b"Subject: X", 1))  # tampering shows


def test_captured_mail_verifies_too(database, settings, dns):
    from tests.outbox.conftest import mail_bytes, queue_mail

    queue_mail(database, "awa.diallo@caf13.example", mail_bytes("awa.diallo@caf13.example"))
    folder = settings.data_dir / "captured"
    deliver_due(database, settings, CaptureTransport(folder))
    [path] = folder.glob("*.eml")
    verify = verifier(dns, *printed_record(settings))
    assert verify(path.read_bytes())


def test_signing_can_be_turned_off(settings):
    raw = b"From: A+ <aplus@aplus.localhost>\nSubject: x\n\nbody\n"
    assert dkim_signing.sign(replace(settings, dkim_sign=False), raw) == raw
    assert not dkim_signing.key_path(settings).exists()


def test_processes_starting_together_agree_on_one_key(settings):
    import threading

    keys: list[bytes] = []
    threads = [threading.Thread(target=lambda: keys.append(dkim_signing.ensure_key(settings))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and [p.name for p in dkim_signing.key_path(settings).parent.iterdir()] == ["aplus.key"]
