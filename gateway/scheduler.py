"""The scheduler: late reminders, experts, weekly digests, retention; in ``aplus run`` and ``aplus tick``.

One pass (``tick``) looks at every candidate in its own unit of work, so a
failure on one ticket does not hold the others, and on SQLite the write
turn is held for one ticket at a time. Running it from several processes
at once is safe: each reminder's key is claimed in the database
(``gateway.processing.marks``), so each is sent once. Nothing is kept in
memory between passes, so a restart changes nothing either.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from gateway.config import Settings
from gateway.models import Ticket
from gateway.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    late: int = 0
    experts: int = 0
    digests: int = 0
    away: int = 0
    purge: object | None = None
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"{self.late} dossier(s) en retard signalé(s), {self.experts} dossier(s) confié(s) aux responsables, "
                f"{self.digests} récapitulatif(s) hebdomadaire(s) envoyé(s)")
        if self.purge is not None:
            text += f" ; {self.purge}"
        if self.errors:
            text += f" ; {len(self.errors)} erreur(s) (voir le journal)"
        return text + "."


def tick(database: Database, settings: Settings, *, purge: bool = True) -> TickReport:
    """One pass of every periodic job; safe to run from several processes at once."""
    from gateway.processing import digest, reminders

    report = TickReport()
    with database.begin() as session:
        waiting = reminders.waiting_ticket_ids(session)
    for ticket_id in waiting:
        report.late += _each(database, report, f"late {ticket_id}", lambda s: reminders.remind_if_late(
            s, settings, s.get(Ticket, ticket_id)))
        report.experts += _each(database, report, f"experts {ticket_id}", lambda s: reminders.bring_experts_if_late(
            s, settings, s.get(Ticket, ticket_id)))
    week = digest.week_key(settings)
    if week is not None:
        with database.begin() as session:
            agents = digest.agents_with_open_cases(session)
        for agent_id in agents:
            report.digests += _each(database, report, f"digest {agent_id}",
                                    lambda s: digest.send_digest(s, settings, agent_id, week))
    if purge:
        from gateway.processing.retention import purge as run_purge

        try:
            report.purge = run_purge(database, settings)
        except Exception as error:  # retention is retried at the next pass
            log.exception("retention purge failed")
            report.errors.append(f"purge: {error}")
    return report


def _each(database: Database, report: TickReport, what: str, work) -> int:
    try:
        with database.begin() as session:
            return 1 if work(session) else 0
    except Exception as error:
        log.exception("scheduler: %s failed; retried at the next pass", what)
        report.errors.append(f"{what}: {error}")
        return 0


def run_scheduler_loop(database: Database, settings: Settings, stop, *, delivery=None, ready=None) -> None:
    """Tick every ``tick_interval`` seconds until ``stop`` is set; ring the delivery bell after mail was queued."""
    if ready is not None:
        ready.set()
    while not stop.is_set():
        try:
            report = tick(database, settings)
            if report.late or report.experts or report.digests:
                log.info("scheduler: %s", report)
                if delivery is not None:
                    delivery.ring()
        except Exception:  # the database is down: try again at the next pass
            log.exception("scheduler pass failed")
        stop.wait(settings.tick_interval)


def scheduler_worker(stop, ready, settings: Settings, inbound, outbound) -> None:
    """The supervised process of ``aplus run`` (see ``gateway.workers``)."""
    database = Database.connect(settings.effective_database_url)
    try:
        run_scheduler_loop(database, settings, stop, delivery=outbound, ready=ready)
    finally:
        database.dispose()


def add_scheduler(supervisor, settings: Settings, inbound, outbound) -> None:
    """``aplus run``'s one line: the scheduler as a supervised worker, restarted if it dies."""
    supervisor.add("scheduler", scheduler_worker, settings, inbound, outbound)
