"""A whole gateway on real sockets, for end-to-end tests.

The gateway's own SMTP server listens on a free port, the processor and the
delivery worker run in threads exactly as in ``aplus run``, and the relay is
an ``SmtpSink``. Tests talk to it with ``smtplib`` like any mail client.
"""

from __future__ import annotations

import smtplib
import threading
import time
from dataclasses import replace
from email.message import EmailMessage

from sqlalchemy import func, select

from gateway.config import Settings
from gateway.storage.db import Database
from gateway.doorbell import Doorbell
from gateway.models import Agent, Area, Group, InboundMail, Membership, Organisation, OutboundMail, Ticket
from gateway.outbound.outbox import run_delivery_loop
from gateway.processing.processor import run_processor_loop
from gateway.processing.routing_step import warm_up
from gateway.inbound.smtp import GatewayController
from gateway.outbound.transports import RelayTransport
from tests.support.smtp_sink import SmtpSink, free_port


def gateway_settings(settings: Settings, sink: SmtpSink, **overrides) -> Settings:
    values = dict(
        smtp_port=free_port(),
        delivery="relay",
        relay_host=sink.host,
        relay_port=sink.port,
        relay_timeout=5.0,
        poll_interval=0.02,
        retry_base_seconds=0.2,
        retry_max_seconds=1.0,
    )
    return replace(settings, **{**values, **overrides})


def add_group(session, name: str, organisation: str | None, areas: list[str], agents: list[tuple[str, str, str]],
              *, mailbox: str | None = None, national: bool = False, triage: bool = False) -> Group:
    """A group with its organisation, areas and agents (first name, last name, email)."""
    org = None
    if organisation:
        org = session.scalars(select(Organisation).where(Organisation.code == organisation)).first()
        if org is None:
            org = Organisation(code=organisation, name=organisation)
            session.add(org)
    area_rows = []
    for code in areas:
        area = session.scalars(select(Area).where(Area.code == code)).first() or Area(code=code, name=code)
        session.add(area)
        area_rows.append(area)
    group = Group(name=name, organisation=org, areas=area_rows, mailbox=mailbox, is_national=national, is_triage=triage)
    session.add(group)
    for first, last, email in agents:
        agent = session.scalars(select(Agent).where(Agent.email == email)).first()
        if agent is None:
            agent = Agent(email=email, first_name=first, last_name=last)
            session.add(agent)
        session.add(Membership(group=group, agent=agent))
    session.flush()
    return group


def small_directory(database: Database, settings: Settings) -> None:
    """CAF 13 and CPAM 13 with one agent each, and the national triage group."""
    with database.begin() as session:
        add_group(session, "CAF 13", "CAF", ["13"], [("Awa", "Diallo", "awa.diallo@caf13.example")])
        add_group(session, "CPAM 13", "CPAM", ["13"], [("Luc", "Martin", "luc.martin@cpam13.example")])
        add_group(session, settings.default_group, None, [], [("Nina", "Roux", "nina.roux@aplus.example")], triage=True)


class GatewayHarness:
    """Start/stop a gateway and wait for it to settle."""

    def __init__(self, database: Database, settings: Settings, sink: SmtpSink) -> None:
        self.database = database
        self.settings = settings
        self.sink = sink
        self.stop_event = threading.Event()
        self.inbound_bell, self.outbound_bell = Doorbell(), Doorbell()  # as wired by ``aplus run``
        self.controller = GatewayController(database, settings, doorbell=self.inbound_bell)
        self.threads: list[threading.Thread] = []

    def start(self, *, processor: bool = True, delivery: bool = True) -> "GatewayHarness":
        warm_up()  # as ``aplus run`` does before it accepts mail
        self.controller.start()
        if processor:
            self._thread(run_processor_loop, self.database, self.settings, self.stop_event,
                         doorbell=self.inbound_bell, delivery=self.outbound_bell)
        if delivery:
            self._thread(run_delivery_loop, self.database, self.settings, RelayTransport(self.settings), self.stop_event,
                         doorbell=self.outbound_bell, receiver=self.inbound_bell)
        return self

    def _thread(self, target, *args, **kwargs) -> None:
        thread = threading.Thread(target=target, args=args, kwargs=kwargs, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        self.inbound_bell.ring()
        self.outbound_bell.ring()
        self.controller.stop()
        for thread in self.threads:
            thread.join(timeout=10)

    def client(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.settings.smtp_host, self.settings.smtp_port, timeout=10)

    def send(self, mail: EmailMessage, *, to: list[str] | None = None, sender: str | None = None):
        with self.client() as client:
            return client.send_message(mail, from_addr=sender, to_addrs=to or [self.settings.address])

    def settled(self) -> bool:
        with self.database.begin() as session:
            pending_in = session.scalar(select(func.count()).select_from(InboundMail).where(InboundMail.state == "queued"))
            pending_out = session.scalar(select(func.count()).select_from(OutboundMail).where(OutboundMail.state == "queued"))
        return pending_in == 0 and pending_out == 0

    def wait_settled(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.settled():
                return
            time.sleep(0.05)
        raise AssertionError("the gateway did not settle: mail is still queued")

    def tickets(self) -> list[Ticket]:
        with self.database.begin() as session:
            return list(session.scalars(select(Ticket).order_by(Ticket.id)))

    def inbound(self) -> list[InboundMail]:
        with self.database.begin() as session:
            return list(session.scalars(select(InboundMail).order_by(InboundMail.id)))


MARIE = "marie.durand@example.org"  # the requester of request_mail()
AWA = "awa.diallo@caf13.example"  # the CAF 13 agent of small_directory()


def open_request(gateway: GatewayHarness) -> Ticket:
    """Send the standard request and return its ticket once everything is delivered."""
    gateway.send(request_mail())
    gateway.wait_settled()
    return gateway.tickets()[0]


def request_mail(sender: str = "marie.durand@example.org", name: str = "Marie Durand", *,
                 subject: str = "Mon RSA est bloqué", text: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = "aplus@aplus.localhost"
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{time.monotonic_ns()}@example.org>"
    mail.set_content(text or (
        "Bonjour,\n\nMon RSA est suspendu depuis trois mois et la CAF ne répond pas.\n"
        "J'habite à Marseille (13001).\n\nMerci de votre aide,\nMarie Durand\n"
    ))
    return mail


def reply_to(received: EmailMessage, *, sender: str, name: str, text: str, to: str | None = None) -> EmailMessage:
    """What a mail client sends when its user hits "Reply" on ``received``."""
    mail = EmailMessage()
    mail["From"] = f"{name} <{sender}>"
    mail["To"] = to or str(received["Reply-To"])
    mail["Subject"] = "RE: " + str(received["Subject"])
    mail["Message-ID"] = f"<{time.monotonic_ns()}@reply.example>"
    mail["In-Reply-To"] = str(received["Message-ID"])
    mail["References"] = f"{received.get('References', '')} {received['Message-ID']}".strip()
    quoted = "\n".join("> " + line for line in received.get_body(("plain",)).get_content().splitlines())
    mail.set_content(f"{text}\n\nLe lun. 3 févr. 2025 à 10:12, A+ <aplus@aplus.localhost> a écrit :\n{quoted}\n")
    return mail
