"""imap

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 01:00:00

Issue 14 (IMAP): per mailbox its UIDVALIDITY, last UID and poller lease;
per mail taken from a mailbox the arrival that makes it enter the spool once;
the mails left on the server (too big, never sent whole). See gateway/models/imap.py.
"""

import sqlalchemy as sa
from alembic import op

from gateway.models.base import UTCDateTime


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'imap_mailboxes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
        sa.Column('last_uid', sa.BigInteger(), nullable=False),
        sa.Column('lease_owner', sa.String(length=200), nullable=False),
        sa.Column('lease_until', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_poll_at', UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imap_mailboxes')),
        sa.UniqueConstraint('key', name=op.f('uq_imap_mailboxes_key')),
    )
    op.create_table(
        'imap_arrivals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mailbox_id', sa.Integer(), nullable=False),
        sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
        sa.Column('uid', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('inbound_id', sa.Integer(), nullable=True),
        sa.Column('acknowledged', sa.Boolean(), nullable=False),
        sa.Column('stored_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['inbound_id'], ['inbound_mail.id'], name=op.f('fk_imap_arrivals_inbound_id_inbound_mail'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['mailbox_id'], ['imap_mailboxes.id'],
                                name=op.f('fk_imap_arrivals_mailbox_id_imap_mailboxes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imap_arrivals')),
        sa.UniqueConstraint('mailbox_id', 'uidvalidity', 'uid', name='uq_imap_arrivals_mailbox_uid'),
    )
    op.create_index('ix_imap_arrivals_mailbox_sha256', 'imap_arrivals', ['mailbox_id', 'sha256'], unique=False)
    op.create_index('ix_imap_arrivals_mailbox_acknowledged', 'imap_arrivals', ['mailbox_id', 'acknowledged'], unique=False)
    op.create_table(
        'imap_problems',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('mailbox_id', sa.Integer(), nullable=False),
        sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
        sa.Column('uid', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('reported_at', UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['mailbox_id'], ['imap_mailboxes.id'],
                                name=op.f('fk_imap_problems_mailbox_id_imap_mailboxes'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_imap_problems')),
        sa.UniqueConstraint('mailbox_id', 'uidvalidity', 'uid', name='uq_imap_problems_mailbox_uid'),
    )


def downgrade() -> None:
    op.drop_table('imap_problems')
    op.drop_index('ix_imap_arrivals_mailbox_acknowledged', table_name='imap_arrivals')
    op.drop_index('ix_imap_arrivals_mailbox_sha256', table_name='imap_arrivals')
    op.drop_table('imap_arrivals')
    op.drop_table('imap_mailboxes')
