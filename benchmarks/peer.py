"""Peer benchmark: tickets/s of the gateway's whole pipeline against django-helpdesk's ``get_email`` (run by hand).

    .venv/bin/python benchmarks/peer.py [--mails 300] [--runs 3] [--processors 1,2] [--peer-venv DIR]

django-helpdesk is what a ministry would pick to compare: a Python helpdesk
with email ingestion. It is installed with pip into a virtual environment of
its own (``--peer-venv``, created on first use; never a dependency of the
project) and run by ``benchmarks/peer_helpdesk.py`` in its own process.

Both are fed the same mails, written once into a folder: ``plain`` (3.7 KB
French requests, each from its own sender) and ``varied`` (a PDF or an
image attached, ISO-8859-1 in 8 bits, windows-1252 in quoted-printable, HTML
only). Each mail opens a ticket in both systems.

* django-helpdesk: a fresh SQLite database, a queue reading the folder as its
  local mailbox, ``process_email`` timed (parsing, ticket, follow-up,
  attachments, the submitter's acknowledgement to Django's in-memory mail
  backend);
* the gateway, one process: a fresh SQLite database with the demo directory;
  timed from the first mail read from the folder to the last outbound mail
  handed over: spool (as ``aplus import`` does), then the processor
  (understand, route, open the ticket, fan out 3-5 mails to the outbox) and
  delivery to a transport that keeps nothing.

The two alternate, ``--runs`` times, and each run's ratio is reported (the
machine's speed drifts within minutes: only ratios of the same run mean
anything). Then ``aplus run`` itself with 1, 2, ... processor processes
(``--processors``): mails spooled beforehand, time until the last is
processed, as tickets/s and as the ratio to one processor.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PEER_PACKAGE = "django-helpdesk==2.6.1"
PARAGRAPH = (
    "Bonjour, je me permets de vous écrire car mon dossier RSA est bloqué à la CAF des Bouches-du-Rhône "
    "depuis mon déménagement de Paris à Marseille (13001). J'ai envoyé tous les justificatifs demandés. "
)


# -- the mails ----------------------------------------------------------------


def plain_mail(number: int) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Personne {number} <personne{number}@usager.example>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = f"RSA bloqué, demande {number}"
    mail["Message-ID"] = f"<plain{number}.{time.time_ns()}@usager.example>"
    mail.set_content((PARAGRAPH * 19)[:3500] + f"\nMa référence : {number}.\n", cte="8bit")
    return bytes(mail)


def varied_mail(number: int, rng: random.Random) -> bytes:
    kind = number % 4
    sender = f"Agnès Lefèvre {number} <agnes{number}@usager.example>"
    subject = f"Pension bloquée à la CNAV, dossier {number}"
    text = f"Bonjour,\nma retraite est bloquée depuis que j'habite à Lyon (69003). Dossier n°{number}.\nMerci.\n"
    if kind == 0:  # a PDF attached
        mail = EmailMessage()
        mail.set_content(text)
        mail.add_attachment(b"%PDF-1.4\n" + rng.randbytes(60_000), maintype="application", subtype="pdf",
                            filename="attestation-caf.pdf")
        raw_headers = None
    elif kind == 1:  # an image attached, HTML alternative
        mail = EmailMessage()
        mail.set_content(text)
        mail.add_alternative(f"<p>{text.replace(chr(10), '<br>')}</p>", subtype="html")
        mail.add_attachment(rng.randbytes(40_000), maintype="image", subtype="jpeg", filename="courrier.jpg")
        raw_headers = None
    elif kind == 2:  # ISO-8859-1 in 8 bits, as older clients write
        body = (text + PARAGRAPH).encode("latin-1", "replace")
        raw_headers = (
            f"From: =?iso-8859-1?q?Agn=E8s_Lef=E8vre?= {number} <agnes{number}@usager.example>\r\n"
            f"To: aplus@aplus.localhost\r\nSubject: =?iso-8859-1?q?Pension_bloqu=E9e?= {number}\r\n"
            f"Message-ID: <varied{number}.{time.time_ns()}@usager.example>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode("ascii")
        return raw_headers + body
    else:  # windows-1252 quoted-printable, HTML only
        html = f"<html><body><p>{text}</p><p>{PARAGRAPH}</p><p>\u2019 \u2013 \u20ac</p></body></html>"
        mail = EmailMessage()
        mail.set_content(html, subtype="html", charset="windows-1252", cte="quoted-printable")
        raw_headers = None
    mail["From"] = sender
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<varied{number}.{time.time_ns()}@usager.example>"
    return bytes(mail)


def write_mails(folder: Path, kind: str, count: int) -> list[bytes]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(13)
    mails = [plain_mail(n) if kind == "plain" else varied_mail(n, rng) for n in range(count)]
    for number, raw in enumerate(mails):
        (folder / f"{number:05d}.eml").write_bytes(raw)
    return mails


# -- django-helpdesk ------------------------------------------------------------


def peer_python(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"installing {PEER_PACKAGE} into {venv} (its own virtual environment)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PEER_PACKAGE], check=True)
    return python


def run_peer(python: Path, mails: Path, work: Path) -> dict:
    result = subprocess.run([str(python), str(ROOT / "benchmarks" / "peer_helpdesk.py"), str(mails), str(work)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- the gateway ----------------------------------------------------------------


GATEWAY_RUN = r"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from sqlalchemy import func, select
from gateway.cli.database import prepare
from gateway.config import load_settings
from gateway.models import InboundMail, OutboundMail, Ticket
from gateway.outbound.outbox import deliver_due
from gateway.processing.processor import drain, warm_up
from gateway.storage import spool
from gateway.storage.db import Database

class NullTransport:
    def send(self, envelope_from, recipient, raw): pass
    def close(self): pass

mails, work = Path(sys.argv[1]), Path(sys.argv[2])
settings = load_settings(environ={}, data_dir=work, secret_key="peer-benchmark")
database = Database.connect(settings.effective_database_url)
prepare(settings, database)
warm_up(database, settings)
started = time.perf_counter()
for path in sorted(mails.iterdir()):
    spool.enqueue(database, path.read_bytes(), mail_from="", rcpt_tos=[settings.address], source="import")
drain(database, settings)
transport = NullTransport()
while deliver_due(database, settings, transport, batch=100).attempted:
    pass
seconds = time.perf_counter() - started
with database.begin() as session:
    tickets = session.scalar(select(func.count(Ticket.id)))
    outbound = session.scalar(select(func.count(OutboundMail.id)).where(OutboundMail.state == "sent"))
    states = dict(session.execute(select(InboundMail.state, func.count()).group_by(InboundMail.state)).all())
print(json.dumps({"tickets": tickets, "seconds": seconds, "outbound_sent": outbound, "inbound": states}))
"""


def run_gateway(mails: Path, work: Path) -> dict:
    result = subprocess.run([sys.executable, "-c", GATEWAY_RUN, str(mails), str(work), str(ROOT)],
                            check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(result.stdout.strip().splitlines()[-1])


def compare(python: Path, folder: Path, kind: str, count: int, runs: int) -> list[tuple[float, float]]:
    mails = folder / kind
    write_mails(mails, kind, count)
    pairs = []
    for run in range(1, runs + 1):
        order = ("peer", "gateway") if run % 2 else ("gateway", "peer")
        rates = {}
        for who in order:
            work = Path(tempfile.mkdtemp(prefix=f"{who}-", dir=folder))
            outcome = run_peer(python, mails, work) if who == "peer" else run_gateway(mails, work)
            rates[who] = outcome["tickets"] / outcome["seconds"]
            print(f"  {kind} run {run} {who}: {outcome}", flush=True)
        pairs.append((rates["gateway"], rates["peer"]))
        print(f"  {kind} run {run}: gateway {rates['gateway']:.1f} tickets/s, django-helpdesk {rates['peer']:.1f} "
              f"tickets/s, ratio {rates['gateway'] / rates['peer']:.1f}", flush=True)
    return pairs


# -- aplus run with n processors -------------------------------------------------------


def run_processors(folder: Path, count: int, processors: int) -> float:
    """Spool ``count`` plain mails, start ``aplus run`` with ``processors`` processors, time until all are done."""
    from sqlalchemy import func, select

    from gateway.cli.database import prepare
    from gateway.config import load_settings
    from gateway.models import InboundMail
    from gateway.storage import spool
    from gateway.storage.db import Database
    from tests.support.smtp_sink import free_port

    work = Path(tempfile.mkdtemp(prefix=f"run{processors}-", dir=folder))
    settings = load_settings(environ={}, data_dir=work, secret_key="peer-benchmark")
    database = Database.connect(settings.effective_database_url)
    prepare(settings, database)
    for number in range(count):
        spool.enqueue(database, plain_mail(10_000 + number), rcpt_tos=[settings.address], source="import")
    env = {**os.environ, "APLUS_DATA_DIR": str(work), "APLUS_SECRET_KEY": "peer-benchmark",
           "APLUS_PROCESSORS": str(processors), "APLUS_SMTP_PORT": str(free_port()), "APLUS_DELIVERY": "capture"}
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen([str(ROOT / ".venv" / "bin" / "aplus"), "run"], env=env, cwd=ROOT,
                               stdin=subprocess.PIPE,  # kept open: aplus run stops at the end of its input
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    started = time.perf_counter()
    try:
        while True:
            with database.begin() as session:
                left = session.scalar(select(func.count()).select_from(InboundMail).where(InboundMail.state == "queued"))
            if left == 0:
                break
            if process.poll() is not None:
                raise RuntimeError(f"aplus run stopped (exit {process.returncode}) with {left} mails left")
            if time.perf_counter() - started > 600:
                raise RuntimeError("aplus run did not process the spool in 10 minutes")
            time.sleep(0.05)
        seconds = time.perf_counter() - started  # includes start-up and warm-up, alike for every count
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        database.dispose()
    return count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--processors", default="1,2")
    parser.add_argument("--peer-venv", type=Path, default=Path(tempfile.gettempdir()) / "aplus-peer-venv")
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args()
    python = peer_python(args.peer_venv)
    with tempfile.TemporaryDirectory(prefix="aplus-peer-") as folder:
        folder = Path(folder)
        if not args.skip_peer:
            summary = {}
            for kind in ("plain", "varied"):
                pairs = compare(python, folder, kind, args.mails, args.runs)
                ratios = [g / p for g, p in pairs]
                summary[kind] = (statistics.median(g for g, _ in pairs), statistics.median(p for _, p in pairs), ratios)
            print("\ntickets/s (median of runs) and ratio gateway / django-helpdesk (each run)")
            for kind, (gateway, peer, ratios) in summary.items():
                print(f"  {kind}: gateway {gateway:.1f}, django-helpdesk {peer:.1f}, ratio "
                      + " / ".join(f"{r:.1f}" for r in ratios))
        counts = [int(n) for n in args.processors.split(",")]
        for run in range(1, args.runs + 1):
            rates = {n: run_processors(folder, args.mails, n) for n in (counts if run % 2 else reversed(counts))}
            print(f"aplus run, run {run}: " + ", ".join(
                f"{n} processor(s) {rates[n]:.1f} tickets/s (x{rates[n] / rates[counts[0]]:.2f})" for n in counts),
                flush=True)


if __name__ == "__main__":
    main()
