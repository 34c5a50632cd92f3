"""index participants by email

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 04:15:00

The sender rate limit and the duplicate check look participants up by
address for every new request; without an index that is a scan of every
participant of every ticket, which grows with the service's history.
"""

from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_participants_email'), 'participants', ['email'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_participants_email'), table_name='participants')
