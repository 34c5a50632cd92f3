"""The planner's statistics are taken when a processor starts and again as mail flows."""

from __future__ import annotations

from sqlalchemy import text

from gateway.storage import statistics
from gateway.storage.statistics import StatisticsSchedule


def analysed_tables(database) -> set[str]:
    with database.engine.connect() as connection:
        present = connection.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        if present is None:
            return set()
        return {row[0] for row in connection.execute(text("SELECT tbl FROM sqlite_stat1"))}


def test_refresh_analyses_the_mail_tables_on_sqlite(tmp_path):
    from tests.support.databases import fresh_database
    from tests.support.history import fill_history

    with fresh_database("sqlite", tmp_path) as database:
        fill_history(database, 20)
        assert "inbound_mail" not in analysed_tables(database)
        statistics.refresh(database)
        assert {"inbound_mail", "outbound_mail", "participants", "messages"} <= analysed_tables(database)


def test_the_schedule_refreshes_at_the_first_mail_then_every_n_mails_or_minutes(monkeypatch):
    calls = []
    clock = [0.0]
    schedule = StatisticsSchedule(object(), 3, clock=lambda: clock[0])
    monkeypatch.setattr(statistics, "refresh", lambda database: calls.append(clock[0]))
    for _ in range(7):
        schedule.after_mail()
    assert len(calls) == 3  # mails 1, 4 and 7
    clock[0] += statistics.MAX_SECONDS + 1
    schedule.after_mail()
    assert len(calls) == 4


def test_a_failing_refresh_never_stops_the_mail_flow():
    class Broken:
        class engine:
            class dialect:
                name = "sqlite"

        def transaction(self):
            raise RuntimeError("disk I/O error")

    schedule = StatisticsSchedule(Broken(), 1)
    schedule.after_mail()  # logged, not raised
    assert schedule.mails == 0
