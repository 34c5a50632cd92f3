"""Late cases, experts and weekly digests, on a frozen clock, from one scheduler or two at once."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from gateway.models import AuditEvent, LifecycleMark, Membership, OutboundMail, Ticket
from gateway.scheduler import tick
from gateway.storage.db import Database
from tests.lifecycle.clients import CLIENTS
from tests.support.gateway import AWA, add_group, request_mail

PAUL = "paul.chef@caf13.example"
CHLOE = "chloe.resp@aplus13.example"


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=timezone.utc), tick=False)


@pytest.fixture
def with_manager(post):
    """A manager of area 13 (a directory role) who is in no group routing picks."""
    with post.database.begin() as session:
        group = add_group(session, "Responsables 13", None, ["13"], [("Chloé", "Resp", CHLOE)])
        session.scalars(select(Membership).where(Membership.group_id == group.id)).one().role = "manager"
    return post


def _reminders(post, recipient):
    return [m for m in post.to(recipient) if "attend une réponse depuis" in m.text]


def test_late_across_a_weekend_and_a_holiday_then_experts(with_manager):
    post = with_manager
    with at(2026, 4, 30, 8, 0):  # Thursday 10:00 in Paris; Friday 1 May is a holiday
        post.deliver(request_mail())
        assert tick(post.database, post.settings).late == 0
    with at(2026, 5, 6, 7, 59):  # Wednesday 09:59: Mon 4, Tue 5 and not yet all of Wed 6
        assert tick(post.database, post.settings).late == 0
    with at(2026, 5, 6, 8, 1):
        report = tick(post.database, post.settings)
        assert report.late == 1 and report.experts == 0
        assert post.ticket().late_since == datetime(2026, 5, 6, 8, 0, tzinfo=timezone.utc)
    assert len(_reminders(post, AWA)) == 1 and len(_reminders(post, PAUL)) == 1
    assert "3 jours ouvrés" in _reminders(post, AWA)[0].text
    with at(2026, 5, 8, 12, 0):  # Friday 8 May, a holiday: 5 business days are Thu 7 and Mon 11
        assert tick(post.database, post.settings).experts == 0
    with at(2026, 5, 11, 8, 1):
        assert tick(post.database, post.settings).experts == 1
    invitation = [m for m in post.to(CHLOE) if m.dedup_key.startswith("event:")]
    assert len(invitation) == 1 and "Vous êtes invité(e) dans le dossier" in invitation[0].text
    with at(2026, 5, 12, 9, 0):
        report = tick(post.database, post.settings)
        assert (report.late, report.experts) == (0, 0)
    assert len(_reminders(post, AWA)) == 1
    with post.database.begin() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"ticket.late", "ticket.experts", "ticket.agent_invited"} <= actions


def test_an_answered_ticket_is_never_late(post):
    with at(2026, 5, 4, 8, 0):
        post.deliver(request_mail())
        sent = {m.recipient: m for m in post.new()}
    with at(2026, 5, 5, 8, 0):
        post.deliver(CLIENTS["outlook"](sent[AWA], AWA, "Awa Diallo", "Bonjour Madame, je regarde votre dossier."))
    with at(2026, 5, 20, 8, 0):
        report = tick(post.database, post.settings)
        assert (report.late, report.experts) == (0, 0)


def test_a_missed_fortnight_catches_up_once(with_manager):
    post = with_manager
    with at(2026, 6, 1, 8, 0):  # Monday
        post.deliver(request_mail())
    with at(2026, 6, 17, 8, 0):  # Wednesday, two weeks later, first tick since
        report = tick(post.database, post.settings)
        assert (report.late, report.experts, report.digests) == (1, 1, 3)  # Awa, Paul, Chloé: this week's digest
        again = tick(post.database, post.settings)
        assert (again.late, again.experts, again.digests) == (0, 0, 0)
    digests = [m for m in post.to(AWA) if m.dedup_key.startswith("digest:")]
    assert len(digests) == 1 and "2026-W25" in digests[0].dedup_key


def test_weekly_digest_lists_open_cases_once_a_week(post):
    with at(2026, 6, 5, 8, 0):  # Friday
        post.deliver(request_mail())
        post.deliver(request_mail(sender="jean.dupont@example.org", name="Jean Dupont",
                                  subject="RSA suspendu à Marseille"))
    with at(2026, 6, 8, 6, 0):  # Monday
        assert tick(post.database, post.settings).digests >= 1
    with at(2026, 6, 9, 6, 0):  # Tuesday: already sent this week
        assert tick(post.database, post.settings).digests == 0
    digest = [m for m in post.to(AWA) if m.dedup_key.startswith("digest:")]
    assert len(digest) == 1
    text = digest[0].text
    assert "Mon RSA est bloqué" in text and "RSA suspendu à Marseille" in text
    assert digest[0].mail["Auto-Submitted"] == "auto-generated"
    with at(2026, 6, 15, 6, 0):  # next Monday
        tick(post.database, post.settings)
    assert len([m for m in post.to(AWA) if m.dedup_key.startswith("digest:")]) == 2


def test_two_schedulers_at_once_send_each_reminder_once(with_manager):
    post = with_manager
    with at(2026, 6, 1, 8, 0):
        for number in range(4):
            post.deliver(request_mail(sender=f"personne{number}@example.org", name=f"Personne {number}"))
    url = post.database.engine.url.render_as_string(hide_password=False)
    databases = [Database.connect(url) for _ in range(2)]
    reports, errors = [], []
    barrier = threading.Barrier(2)

    def run(database):
        try:
            barrier.wait()
            reports.append(tick(database, post.settings, purge=False))
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)

    with at(2026, 6, 17, 8, 0):
        threads = [threading.Thread(target=run, args=(d,)) for d in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    for database in databases:
        database.dispose()
    assert not errors and len(reports) == 2
    assert sum(r.late for r in reports) == 4 and sum(r.experts for r in reports) == 4
    assert not any(r.errors for r in reports), [r.errors for r in reports]
    with post.database.begin() as session:
        keys = session.scalars(select(OutboundMail.dedup_key).where(OutboundMail.recipient == AWA)).all()
        assert len(keys) == len(set(keys))
        assert session.scalar(select(func.count()).select_from(LifecycleMark)
                              .where(LifecycleMark.key.like("late:%"))) == 4
    assert len(_reminders(post, AWA)) == 4  # one per ticket
    digests = [m for m in post.to(AWA) if m.dedup_key.startswith("digest:")]
    assert len(digests) == 1


def test_aplus_tick_runs_from_the_command_line(with_manager, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from gateway.cli import main

    post = with_manager
    with at(2026, 6, 1, 8, 0):
        post.deliver(request_mail())
    url = post.database.engine.url.render_as_string(hide_password=False)
    env = {"APLUS_DATA_DIR": str(post.settings.data_dir), "APLUS_DATABASE_URL": url,
           "APLUS_SECRET_KEY": "test-secret-key"}
    with at(2026, 6, 4, 9, 0):
        result = CliRunner().invoke(main, ["tick"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 dossier(s) en retard signalé(s)" in result.output
