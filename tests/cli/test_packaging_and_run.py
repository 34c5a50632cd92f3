"""``pip install .`` ships everything, and ``aplus run`` works on its defaults."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from tests.support.smtp_sink import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_a_built_wheel_carries_templates_migrations_and_routing_data(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                   check=True, capture_output=True, timeout=300, cwd=tmp_path)
    wheel = next(tmp_path.glob("aplus_passerelle-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "aplus_templates/mail/relay.txt" in names and "aplus_templates/mail/acknowledgement.html" in names
    assert any(n.startswith("gateway/migrations/versions/0001") for n in names)
    assert "gateway/migrations/env.py" in names
    assert any(n.startswith("routing/data/") for n in names)
    assert not any(n.startswith("tests/") for n in names)
    sources = {str(p.relative_to(ROOT)) for folder in ("gateway", "routing", "admin") for p in (ROOT / folder).rglob("*.py")}
    assert sources <= names, sorted(sources - names)

    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    probe = ("import gateway.outbound.templating as t; print(t.templates_dir()); "
             "print(t.render_mail('relay', site_name='A+', reference='ABC123', subject='s', recipient_name='', "
             "is_agent=False, note_address='', author_label='Awa', text='Bonjour', internal=False, attachment_names=[])[0])")
    result = subprocess.run([sys.executable, "-c", probe], env={**os.environ, "PYTHONPATH": str(target)},
                            capture_output=True, timeout=60, cwd=tmp_path, check=True)
    lines = result.stdout.decode().splitlines()
    assert lines[0].startswith(str(target))
    assert "Awa a écrit :" in result.stdout.decode()


def test_aplus_run_starts_on_its_defaults_and_handles_a_first_mail(tmp_path):
    port = free_port()
    admin_port = free_port()
    env = {**os.environ, "APLUS_DATA_DIR": str(tmp_path / "var"), "APLUS_SMTP_PORT": str(port),
           "APLUS_ADMIN_PORT": str(admin_port)}
    env.pop("APLUS_DATABASE_URL", None)
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "gateway.cli", "run"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        banner = b""
        deadline = time.monotonic() + 120
        while b"Ctrl+C" not in banner and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            banner += line
        text = banner.decode()
        assert "A+ passerelle est lancée" in text and f"127.0.0.1:{port}" in text and "aplus demo send" in text
        assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
        assert f"Administration : http://127.0.0.1:{admin_port}/" in text and "aplus admin create-user" in text
        with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/connexion", timeout=30) as answer:
            assert answer.status == 200 and "Connexion à l'administration" in answer.read().decode()
        sent = subprocess.run([sys.executable, "-m", "gateway.cli", "demo", "send"], env=env, cwd=tmp_path,
                              capture_output=True, timeout=60)
        assert sent.returncode == 0, sent.stderr.decode()
        outbox = tmp_path / "var" / "outbox"
        deadline = time.monotonic() + 60
        while len(list(outbox.glob("*.eml"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        captured = sorted(outbox.glob("*.eml"))
        assert len(captured) >= 2  # the acknowledgement and at least one agent
        mails = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in captured]
        assert any(mail["To"].addresses[0].addr_spec == "marie.durand@example.org" for mail in mails)
        assert all(str(mail["Subject"]).startswith("[A+ #") for mail in mails)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    assert process.returncode == 0
