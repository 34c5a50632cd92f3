"""imap

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 01:00:00

Reserved for issue 14 (IMAP): mailbox state and leases.
Empty until that work lands, so that every piece of work has its own step in
one linear history.
"""

from alembic import op  # noqa: F401  (used once the step is written)


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
