"""Raw mail is stored compressed and read back byte for byte, whatever form a row was written in."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from gateway.models import InboundMail
from gateway.storage import compression, spool

MAIL = ("From: a@example.org\r\nSubject: RSA bloqué\r\n\r\n" + "Bonjour, mon dossier est bloqué. " * 100).encode()


@pytest.fixture(autouse=True)
def restore_method():
    yield
    compression.configure("auto")


def stored_bytes(database, inbound_id: int) -> bytes:
    with database.engine.connect() as connection:
        return bytes(connection.execute(text("SELECT raw FROM inbound_mail WHERE id = :id"), {"id": inbound_id}).scalar())


def test_spooled_mail_is_stored_compressed_and_claimed_as_received(database):
    compression.configure("zlib")
    inbound_id = spool.enqueue(database, MAIL, mail_from="a@example.org", rcpt_tos=["aplus@aplus.localhost"])
    stored = stored_bytes(database, inbound_id)
    assert stored.startswith(compression.ZLIB)
    assert len(stored) < len(MAIL) / 5
    lease = spool.claim_next(database, lease_seconds=60)
    assert lease.raw == MAIL
    with database.begin() as session:
        assert session.get(InboundMail, inbound_id).raw == MAIL
        assert session.get(InboundMail, inbound_id).size == len(MAIL)


def test_with_compression_off_new_rows_are_plain_and_old_compressed_rows_still_read(database):
    compression.configure("zlib")
    first = spool.enqueue(database, MAIL)
    compression.configure("none")
    second = spool.enqueue(database, MAIL)
    assert stored_bytes(database, second) == MAIL
    with database.begin() as session:
        assert [row.raw for row in session.scalars(select(InboundMail).order_by(InboundMail.id))] == [MAIL, MAIL]
        assert session.get(InboundMail, first).raw == MAIL


@pytest.mark.parametrize("raw", [b"\x00z not zlib at all", b"\x00r", b"\x00", b""])
def test_a_mail_that_itself_starts_like_a_marker_comes_back_intact(database, raw):
    for method in compression.METHODS:
        compression.configure(method)
        inbound_id = spool.enqueue(database, raw)
        with database.begin() as session:
            assert session.get(InboundMail, inbound_id).raw == raw


def test_rows_written_before_compression_are_read_as_they_are(database):
    """A row of an older version: plain bytes in the column, no prefix."""
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO inbound_mail (raw, sha256, size, mail_from, rcpt_tos, source, peer, received_at, state, "
            "attempts, next_attempt_at, error, outcome) VALUES (:raw, 'x', 1, '', '', 'smtp', '', :now, 'done', 0, "
            ":now, '', '')"), {"raw": MAIL, "now": "2026-01-01 00:00:00"})
    with database.begin() as session:
        assert session.scalars(select(InboundMail.raw)).one() == MAIL


def test_an_unknown_method_is_refused_in_french():
    with pytest.raises(ValueError, match="compression inconnue"):
        compression.configure("lzma")


def test_auto_compresses_on_sqlite_and_leaves_it_to_postgresql(database):
    """PostgreSQL compresses large values itself (TOAST); SQLite never does."""
    inbound_id = spool.enqueue(database, MAIL)
    stored = stored_bytes(database, inbound_id)
    assert stored == MAIL if database.is_postgres else stored.startswith(compression.ZLIB)
    with database.begin() as session:
        assert session.get(InboundMail, inbound_id).raw == MAIL
