"""Exactly once into the spool: crashes, UIDVALIDITY changes, two pollers, a server that goes away."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update

from gateway.inbound import imap_state
from gateway.inbound.imap import MailboxPoller
from gateway.inbound.imap_config import mailboxes_from_settings
from gateway.models import ImapMailbox
from tests.imap.conftest import imap_settings, mail, poller_for, spooled, wait_until

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def expire_leases(database) -> None:
    with database.begin() as session:
        session.execute(update(ImapMailbox).values(lease_until=None))


def last_poll(database):
    with database.begin() as session:
        return session.scalar(select(ImapMailbox.last_poll_at))


def crash_between_store_and_move(settings, dovecot) -> None:
    url = settings.effective_database_url
    result = subprocess.run([sys.executable, "-m", "tests.imap.crash_poller", url, str(settings.data_dir),
                             str(dovecot.port), str(dovecot.cert)], cwd=ROOT, capture_output=True, timeout=60)
    assert result.returncode == 9, result.stderr.decode()


def test_a_crash_between_store_and_move_loses_nothing_and_stores_nothing_twice(database, mailbox_settings, dovecot):
    raws = [mail(n) for n in range(3)]
    for raw in raws:
        dovecot.append(raw)

    crash_between_store_and_move(mailbox_settings, dovecot)
    assert [row.raw for row in spooled(database)] == raws  # committed before the crash...
    assert len(dovecot.uids("INBOX")) == 3  # ...and still on the server, not moved

    # The crashed poller's lease must run out first: a new process waits for it, then finishes the move.
    poller = poller_for(database, mailbox_settings)
    assert poller.poll_once().stored == 0  # the dead poller still holds the lease
    expire_leases(database)  # the crashed poller's lease (120 s) has run out
    report = poller.poll_once()

    assert (report.stored, report.acknowledged) == (0, 3)
    assert [row.raw for row in spooled(database)] == raws
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Traités")) == 3


def test_a_uidvalidity_change_rescans_without_duplicates(database, mailbox_settings, dovecot):
    dovecot.append(mail(1))
    poller_for(database, mailbox_settings).poll_once()  # stored and moved under the first UIDVALIDITY
    dovecot.append(mail(2))
    crash_between_store_and_move(mailbox_settings, dovecot)  # stored, still in INBOX
    expire_leases(database)
    dovecot.set_uidvalidity(777)  # the server renumbers the folder
    dovecot.append(mail(3))

    report = poller_for(database, mailbox_settings).poll_once()

    assert report.stored == 1  # only mail 3 is new; mail 2 is recognised by its bytes
    assert len(spooled(database)) == 3
    assert dovecot.uids("INBOX") == [] and len(dovecot.uids("Traités")) == 3
    with database.begin() as session:
        (box,) = session.scalars(select(ImapMailbox)).all()
        assert box.uidvalidity == 777


def test_two_pollers_on_one_mailbox_store_each_mail_once(database, mailbox_settings, dovecot):
    for n in range(30):
        dovecot.append(mail(n))
    config = mailboxes_from_settings(mailbox_settings)[0]
    stop = threading.Event()
    pollers = [MailboxPoller(database, mailbox_settings, config, owner=f"poller-{n}") for n in (1, 2)]
    threads = [threading.Thread(target=poller.run, args=(stop,), daemon=True) for poller in pollers]
    for thread in threads:
        thread.start()
    try:
        assert wait_until(lambda: len(dovecot.uids("Traités")) == 30, timeout=30)
        for n in range(30, 40):
            dovecot.append(mail(n))
        assert wait_until(lambda: len(dovecot.uids("Traités")) == 40, timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    rows = spooled(database)
    assert len(rows) == 40 and len({row.sha256 for row in rows}) == 40
    assert dovecot.uids("INBOX") == []


def test_a_poller_without_the_lease_takes_nothing(database, mailbox_settings, dovecot):
    dovecot.append(mail(1))
    config = mailboxes_from_settings(mailbox_settings)[0]
    holder = MailboxPoller(database, mailbox_settings, config, owner="holder")
    assert imap_state.take_lease(database, holder.box, "holder", 60)

    other = MailboxPoller(database, mailbox_settings, config, owner="other")
    assert other.poll_once().stored == 0
    assert spooled(database) == [] and len(dovecot.uids("INBOX")) == 1

    # A lease that runs out is taken over.
    assert imap_state.take_lease(database, holder.box, "holder", -1)
    assert other.poll_once().stored == 1


def test_storing_checks_the_lease_in_the_same_transaction(database, mailbox_settings, dovecot):
    from gateway.inbound.imap_state import LeaseLost, Taken
    from gateway.storage.spool import Arrival

    config = mailboxes_from_settings(mailbox_settings)[0]
    poller = MailboxPoller(database, mailbox_settings, config, owner="late")
    assert imap_state.take_lease(database, poller.box, "thief", 60)

    with pytest.raises(LeaseLost):
        imap_state.store(database, poller.box, "late", 1, [Taken(1, b"x", Arrival(b"x", source="imap"))], 1)
    assert spooled(database) == []


def test_idle_wakes_the_poller_as_soon_as_mail_arrives(database, settings, dovecot):
    settings = imap_settings(settings, dovecot, imap_poll_seconds=600.0, imap_lease_seconds=600.0)
    poller = poller_for(database, settings)
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: last_poll(database) is not None, timeout=10)
        time.sleep(1.0)  # the first pass is over: the poller is in IDLE now
        started = time.monotonic()
        dovecot.append(mail(1))
        assert wait_until(lambda: len(spooled(database)) == 1, timeout=10)
        assert time.monotonic() - started < 5  # far below the 200 s the next timed pass would take
    finally:
        stop.set()
        thread.join(timeout=10)


def test_without_idle_the_poller_polls(database, settings):
    from tests.support.dovecot import Dovecot

    server = Dovecot(extra_config="imap_capability = IMAP4rev1 UIDPLUS MOVE").start()
    try:
        poller = poller_for(database, imap_settings(settings, server, imap_security="none", imap_poll_seconds=0.3))
        stop = threading.Event()
        thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
        thread.start()
        try:
            time.sleep(0.5)
            server.append(mail(1))
            assert wait_until(lambda: len(spooled(database)) == 1, timeout=10)
            assert wait_until(lambda: len(server.uids("Traités")) == 1, timeout=10)
        finally:
            stop.set()
            thread.join(timeout=10)
    finally:
        server.close()


def test_the_poller_reconnects_after_a_server_restart(database, mailbox_settings, dovecot, caplog):
    poller = poller_for(database, mailbox_settings)
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        dovecot.append(mail(1))
        assert wait_until(lambda: len(spooled(database)) == 1)
        dovecot.stop()
        time.sleep(1.5)  # the poller notices and backs off
        dovecot.start()
        dovecot.append(mail(2))
        assert wait_until(lambda: len(spooled(database)) == 2, timeout=30)
        assert wait_until(lambda: dovecot.uids("INBOX") == [], timeout=10)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert any("reconnecting" in record.getMessage() for record in caplog.records), [r.getMessage() for r in caplog.records]
    assert len(spooled(database)) == 2
    (state,) = imap_state.states(database)
    assert state.last_error == "" and state.last_poll_at is not None  # the outage is over


def test_a_server_down_is_visible_in_the_mailbox_state(database, mailbox_settings, dovecot):
    poller = poller_for(database, mailbox_settings)
    poller.poll_once()
    dovecot.stop()
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_until(lambda: imap_state.states(database)[0].last_error != "")
    finally:
        stop.set()
        thread.join(timeout=10)
    assert "ConnectionRefused" in imap_state.states(database)[0].last_error
