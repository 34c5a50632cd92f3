"""The IMAP poller against a real Dovecot: stored once, then moved, never deleted."""

from __future__ import annotations

import pytest

from gateway.inbound import imap_state
from gateway.inbound.imap import DONE_KEYWORD
from tests.imap.conftest import imap_settings, mail, poller_for, spooled

pytestmark = pytest.mark.slow


def test_new_mail_is_stored_raw_then_moved_to_the_accented_done_folder(database, mailbox_settings, dovecot):
    raws = [mail(n) for n in range(3)]
    for raw in raws:
        dovecot.append(raw)

    report = poller_for(database, mailbox_settings).poll_once()

    assert (report.stored, report.acknowledged) == (3, 3)
    rows = spooled(database)
    assert [row.raw for row in rows] == raws
    assert {row.source for row in rows} == {"imap"}
    assert rows[0].recipients == ["aplus@aplus.localhost"]
    assert dovecot.uids("INBOX") == []
    assert sorted(m[b"BODY[]"] for m in dovecot.messages("Traités").values()) == sorted(raws)
    with dovecot.client() as client:  # on the wire, the folder is named in modified UTF-7
        names = [raw_name for _, _, raw_name in client.list_folders()]
        client.folder_encode = False
        assert b"Trait&AOk-s" in [name for _, _, name in client.list_folders()]
    assert "Traités" in names


def test_a_second_pass_stores_nothing_again(database, mailbox_settings, dovecot):
    dovecot.append(mail(1))
    poller = poller_for(database, mailbox_settings)
    poller.poll_once()
    dovecot.append(mail(2))

    report = poller.poll_once()

    assert report.stored == 1
    assert len(spooled(database)) == 2


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
@pytest.mark.parametrize("security", ["tls", "starttls", "none"])
def test_each_security_mode_logs_in(database, settings, dovecot, security):
    port = dovecot.tls_port if security == "tls" else dovecot.port
    dovecot.append(mail(1))

    report = poller_for(database, imap_settings(settings, dovecot, imap_security=security, imap_port=port)).poll_once()

    assert report.stored == 1


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_tls_refuses_a_certificate_it_does_not_trust(database, settings, dovecot):
    import ssl

    dovecot.append(mail(1))
    untrusting = imap_settings(settings, dovecot, imap_security="tls", imap_port=dovecot.tls_port, imap_ca_file="")

    with pytest.raises(ssl.SSLCertVerificationError):
        poller_for(database, untrusting).poll_once()
    assert spooled(database) == [] and len(dovecot.uids("INBOX")) == 1


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_xoauth2_with_a_token_file_and_a_token_command(database, settings, dovecot, tmp_path):
    # The test Dovecot checks an XOAUTH2 token against the user's passdb entry.
    token_file = tmp_path / "token"
    token_file.write_text("motdepasse-de-test\n")
    dovecot.append(mail(1))
    by_file = imap_settings(settings, dovecot, imap_auth="xoauth2", imap_password="",
                            imap_oauth2_token_file=str(token_file))
    assert poller_for(database, by_file).poll_once().stored == 1

    dovecot.append(mail(2))
    by_command = imap_settings(settings, dovecot, imap_auth="xoauth2", imap_password="",
                               imap_oauth2_token_command=f"cat {token_file}")
    assert poller_for(database, by_command).poll_once().stored == 1


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_password_file_is_read(database, settings, dovecot, tmp_path):
    secret = tmp_path / "imap-password"
    secret.write_text("motdepasse-de-test\n")
    dovecot.append(mail(1))

    settings = imap_settings(settings, dovecot, imap_password="", imap_password_file=str(secret))

    assert poller_for(database, settings).poll_once().stored == 1


def test_an_accented_source_folder_is_polled(database, settings, dovecot):
    dovecot.append(mail(1), folder="Réclamations")

    report = poller_for(database, imap_settings(settings, dovecot, imap_folder="Réclamations")).poll_once()

    assert report.stored == 1 and dovecot.uids("Réclamations") == [] and len(dovecot.uids("Traités")) == 1


def test_flag_mode_leaves_mail_in_place_and_takes_it_once(database, settings, dovecot):
    dovecot.append(mail(1))
    poller = poller_for(database, imap_settings(settings, dovecot, imap_done_action="flag"))

    assert poller.poll_once().stored == 1
    assert poller.poll_once().stored == 0

    (flags,) = [m[b"FLAGS"] for m in dovecot.messages("INBOX").values()]
    assert DONE_KEYWORD.encode() in flags
    assert len(spooled(database)) == 1 and dovecot.uids("Traités") == []


def test_without_move_the_mail_is_copied_then_expunged(database, settings):
    from tests.support.dovecot import Dovecot

    server = Dovecot(extra_config="imap_capability = IMAP4rev1 UIDPLUS").start()
    try:
        raws = [mail(1), mail(2)]
        for raw in raws:
            server.append(raw)
        report = poller_for(database, imap_settings(settings, server, imap_security="none")).poll_once()
        assert report.stored == 2
        assert server.uids("INBOX") == []
        assert sorted(m[b"BODY[]"] for m in server.messages("Traités").values()) == sorted(raws)
    finally:
        server.close()


def test_a_mail_over_the_limit_is_left_flagged_and_reported(database, settings, dovecot):
    settings = imap_settings(settings, dovecot, max_message_bytes=5000)
    dovecot.append(mail(1, size=20_000))
    dovecot.append(mail(2))
    poller = poller_for(database, settings)

    report = poller.poll_once()

    assert report.stored == 1 and len(report.left) == 1
    (left,) = dovecot.messages("INBOX").values()
    assert b"\\Flagged" in left[b"FLAGS"]
    (problem,) = imap_state.problems(database)
    assert problem.kind == "too_big" and problem.size > 5000
    assert "trop volumineux" in problem.reason and "limite 5000" in problem.reason
    assert poller.poll_once().stored == 0
    assert len(imap_state.problems(database)) == 1 and len(spooled(database)) == 1


def test_the_envelope_is_rebuilt_from_the_headers(database, mailbox_settings, dovecot):
    raw = (b"Return-Path: <marie.durand@example.org>\r\nDelivered-To: aplus+r1-2-0123456789abcdef@aplus.localhost\r\n"
           b"From: marie.durand@example.org\r\nTo: someone@else.example, aplus@aplus.localhost\r\n"
           b"Subject: test\r\n\r\nBonjour\r\n")
    dovecot.append(raw)

    poller_for(database, mailbox_settings).poll_once()

    (row,) = spooled(database)
    assert row.mail_from == "marie.durand@example.org"
    assert row.recipients == ["aplus+r1-2-0123456789abcdef@aplus.localhost", "aplus@aplus.localhost"]
