"""A server that cannot send a mail whole: the mail is retried, never half-stored."""

from __future__ import annotations

import pytest

from gateway.inbound import imap_state
from tests.imap.conftest import imap_settings, mail, poller_for, spooled
from tests.support.imap_proxy import ImapProxy

pytestmark = pytest.mark.slow


@pytest.fixture
def proxy(dovecot):
    relay = ImapProxy(dovecot.port)
    yield relay
    relay.close()


def test_a_connection_cut_mid_message_stores_nothing_and_the_next_pass_stores_it_once(database, settings, dovecot,
                                                                                       proxy):
    raw = mail(1, size=200_000)
    dovecot.append(raw)
    poller = poller_for(database, imap_settings(settings, dovecot, imap_port=proxy.port, imap_security="none"))
    proxy.cut_next_body = True

    with pytest.raises(Exception):
        poller.poll_once()
    assert proxy.cuts == 1
    assert spooled(database) == [] and len(dovecot.uids("INBOX")) == 1

    report = poller.poll_once()

    assert report.stored == 1
    assert [row.raw for row in spooled(database)] == [raw]
    assert dovecot.uids("INBOX") == []


def test_a_message_shorter_than_announced_is_left_and_tried_again(database, settings, dovecot, proxy):
    raw = mail(1)
    dovecot.append(raw)
    poller = poller_for(database, imap_settings(settings, dovecot, imap_port=proxy.port, imap_security="none"))
    proxy.lie_about_sizes = 10

    report = poller.poll_once()

    assert report.stored == 0 and len(report.left) == 1
    assert spooled(database) == [] and len(dovecot.uids("INBOX")) == 1
    assert imap_state.problems(database) == []  # not yet for a person: it will be tried again

    proxy.lie_about_sizes = 0
    report = poller.poll_once()

    assert report.stored == 1 and [row.raw for row in spooled(database)] == [raw]
    assert dovecot.uids("INBOX") == []


def test_a_message_never_sent_whole_is_flagged_and_reported(database, settings, dovecot, proxy):
    dovecot.append(mail(1))
    poller = poller_for(database, imap_settings(settings, dovecot, imap_port=proxy.port, imap_security="none"))
    proxy.lie_about_sizes = 10

    for _ in range(imap_state.INCOMPLETE_ATTEMPTS):
        assert poller.poll_once().stored == 0

    (problem,) = imap_state.problems(database)
    assert problem.kind == "incomplete" and "laissé sur le serveur" in problem.reason
    (left,) = dovecot.messages("INBOX").values()
    assert b"\\Flagged" in left[b"FLAGS"]
    assert spooled(database) == []
