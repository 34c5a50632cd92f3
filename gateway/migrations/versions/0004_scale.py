"""scale: indexes for every lookup of the hot path; raw mail stored in a self-describing form

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 01:00:00

Issue 13 (cost that does not grow with the years). Every statement a mail
causes must find its rows through an index, whatever the size of the
history (``tests/engine/test_hot_path_plans.py`` checks the plans):

* the duplicate check ``sha256 = ? AND state = 'done'``: one index on both
  columns (SQLite chose the ``state`` index and walked every done row);
* the spool's and the outbox's claims ``state = 'queued' AND next_attempt_at
  <= ? ORDER BY next_attempt_at``: one index each on (state, next_attempt_at),
  replacing the single-column ones (their prefix serves what those served);
* replies matched by References: ``outbound_mail.message_id_header`` (a full
  scan before, 90 ms at 142,000 rows), with ``ticket_id`` so the index alone
  answers, without reading the row (and its raw mail) from the table;
* the rate-limit windows: participants (email, created_at) replacing the
  email index of 0003, messages (ticket_id, created_at) replacing ticket_id's;
* the foreign keys that a purge or a bounce follows backwards (``ON DELETE SET
  NULL`` scans the referring table without one): inbound_mail.ticket_id,
  outbound_mail.participant_id, messages.author_id, messages.inbound_id.

Raw mail (``inbound_mail.raw``, ``outbound_mail.raw``) keeps its column type;
``gateway.storage.compression`` now writes it compressed with a two-byte
prefix starting with NUL. Rows written before that are read as they are,
except the (hostile, rare) ones that themselves start with a NUL byte: those
are marked here as verbatim so they can never be mistaken for the new form.
"""

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

VERBATIM = b"\x00r"


def upgrade() -> None:
    op.drop_index('ix_inbound_mail_sha256', table_name='inbound_mail')
    op.drop_index('ix_inbound_mail_state', table_name='inbound_mail')
    op.create_index('ix_inbound_mail_sha256_state', 'inbound_mail', ['sha256', 'state'])
    op.create_index('ix_inbound_mail_state_due', 'inbound_mail', ['state', 'next_attempt_at'])
    op.create_index(op.f('ix_inbound_mail_ticket_id'), 'inbound_mail', ['ticket_id'])

    op.drop_index('ix_outbound_mail_state', table_name='outbound_mail')
    op.drop_index('ix_outbound_mail_next_attempt_at', table_name='outbound_mail')
    op.create_index('ix_outbound_mail_state_due', 'outbound_mail', ['state', 'next_attempt_at'])
    op.create_index('ix_outbound_mail_message_id_header', 'outbound_mail', ['message_id_header', 'ticket_id'])
    op.create_index(op.f('ix_outbound_mail_participant_id'), 'outbound_mail', ['participant_id'])

    op.drop_index('ix_participants_email', table_name='participants')
    op.create_index('ix_participants_email_created_at', 'participants', ['email', 'created_at'])

    op.drop_index('ix_messages_ticket_id', table_name='messages')
    op.create_index('ix_messages_ticket_created', 'messages', ['ticket_id', 'created_at'])
    op.create_index(op.f('ix_messages_author_id'), 'messages', ['author_id'])
    op.create_index(op.f('ix_messages_inbound_id'), 'messages', ['inbound_id'])

    _mark_verbatim_rows('inbound_mail')
    _mark_verbatim_rows('outbound_mail')


def downgrade() -> None:
    _unmark_rows('inbound_mail')
    _unmark_rows('outbound_mail')

    op.drop_index(op.f('ix_messages_inbound_id'), table_name='messages')
    op.drop_index(op.f('ix_messages_author_id'), table_name='messages')
    op.drop_index('ix_messages_ticket_created', table_name='messages')
    op.create_index('ix_messages_ticket_id', 'messages', ['ticket_id'])

    op.drop_index('ix_participants_email_created_at', table_name='participants')
    op.create_index('ix_participants_email', 'participants', ['email'])

    op.drop_index(op.f('ix_outbound_mail_participant_id'), table_name='outbound_mail')
    op.drop_index('ix_outbound_mail_message_id_header', table_name='outbound_mail')
    op.drop_index('ix_outbound_mail_state_due', table_name='outbound_mail')
    op.create_index('ix_outbound_mail_next_attempt_at', 'outbound_mail', ['next_attempt_at'])
    op.create_index('ix_outbound_mail_state', 'outbound_mail', ['state'])

    op.drop_index(op.f('ix_inbound_mail_ticket_id'), table_name='inbound_mail')
    op.drop_index('ix_inbound_mail_state_due', table_name='inbound_mail')
    op.drop_index('ix_inbound_mail_sha256_state', table_name='inbound_mail')
    op.create_index('ix_inbound_mail_state', 'inbound_mail', ['state'])
    op.create_index('ix_inbound_mail_sha256', 'inbound_mail', ['sha256'])


def _mark_verbatim_rows(table: str) -> None:
    """Old raw values starting with NUL get the verbatim prefix (the others are read as they are)."""
    rows = sa.table(table, sa.column('id', sa.Integer), sa.column('raw', sa.LargeBinary))
    connection = op.get_bind()
    starts_with_nul = sa.func.substr(rows.c.raw, 1, 1) == sa.literal(b"\x00", sa.LargeBinary)
    for row_id, raw in connection.execute(sa.select(rows.c.id, rows.c.raw).where(starts_with_nul)).all():
        connection.execute(rows.update().where(rows.c.id == row_id).values(raw=VERBATIM + bytes(raw)))


def _unmark_rows(table: str) -> None:
    """Back to plain bytes in every row: decompress what the new code compressed."""
    import zlib

    rows = sa.table(table, sa.column('id', sa.Integer), sa.column('raw', sa.LargeBinary))
    connection = op.get_bind()
    starts_with_nul = sa.func.substr(rows.c.raw, 1, 1) == sa.literal(b"\x00", sa.LargeBinary)
    for row_id, raw in connection.execute(sa.select(rows.c.id, rows.c.raw).where(starts_with_nul)).all():
        raw = bytes(raw)
        plain = zlib.decompress(raw[2:]) if raw[:2] == b"\x00z" else raw[2:] if raw[:2] == VERBATIM else raw
        connection.execute(rows.update().where(rows.c.id == row_id).values(raw=plain))
