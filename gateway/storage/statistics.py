"""Keep the query planner's statistics current, so the plans stay the indexed ones as history grows.

Why: SQLite plans without statistics until ``ANALYZE`` runs, and never runs
it by itself. Measured at 50,000 tickets (issue 13): with two candidate
indexes of equal standing, it chose the ``state`` index for the duplicate
check and walked every processed mail, 98 % of a new request's SQL time.
The composite indexes of migration 0004 make the right plan the obvious
one; statistics keep it so for the queries to come.

SQLite: ``ANALYZE`` with ``PRAGMA analysis_limit`` (each index sampled on
about a thousand rows, so it costs milliseconds at any size) when a
processor starts, then every ``statistics_every_mails`` mails or
``MAX_SECONDS``, whichever comes first. PostgreSQL's autovacuum daemon
analyses tables as they change; nothing to do there.
"""

from __future__ import annotations

import logging
import time

from gateway.storage.db import Database

log = logging.getLogger(__name__)

#: Rows SQLite's ANALYZE samples per index.
ANALYSIS_LIMIT = 1000
#: Longest time between two refreshes while mail flows.
MAX_SECONDS = 600.0


def refresh(database: Database) -> None:
    """Bring the planner's statistics up to date (SQLite); harmless and quick on every call."""
    if database.engine.dialect.name != "sqlite":
        return
    started = time.perf_counter()
    with database.transaction() as connection:
        connection.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
        connection.exec_driver_sql("ANALYZE")
    log.debug("planner statistics refreshed in %.1f ms", (time.perf_counter() - started) * 1000)


class StatisticsSchedule:
    """Refresh at the first mail, then every ``every_mails`` mails or ``MAX_SECONDS``."""

    def __init__(self, database: Database, every_mails: int, *, clock=time.monotonic) -> None:
        self.database = database
        self.every_mails = max(1, every_mails)
        self.clock = clock
        self.mails = 0
        self.last: float | None = None

    def after_mail(self) -> None:
        """Count one processed mail; refresh when due. A failure is logged, never raised."""
        self.mails += 1
        if self.last is not None and self.mails < self.every_mails and self.clock() - self.last < MAX_SECONDS:
            return
        self.now()

    def now(self) -> None:
        try:
            refresh(self.database)
        except Exception:  # statistics are an optimisation: the mail flow must not stop for them
            log.exception("could not refresh the planner's statistics")
        self.mails, self.last = 0, self.clock()
