"""review

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 01:00:00

Issue 10 (hardening): a reply or request whose sender is not authenticated
is held "à vérifier" (state ``review``); the spool row keeps what
authentication said (``auth_verdict``) and the address it was about
(``claimed_sender``), so the admin can show why it waits.
"""

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_mail') as batch:
        batch.add_column(sa.Column('auth_verdict', sa.String(length=200), nullable=False, server_default=''))
        batch.add_column(sa.Column('claimed_sender', sa.String(length=320), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('inbound_mail') as batch:
        batch.drop_column('claimed_sender')
        batch.drop_column('auth_verdict')
