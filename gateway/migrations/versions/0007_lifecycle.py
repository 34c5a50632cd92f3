"""lifecycle

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 01:00:00

Reserved for issue 11 (the life of a case): taking, closing, usefulness, reminders, retention.
Empty until that work lands, so that every piece of work has its own step in
one linear history.
"""

from alembic import op  # noqa: F401  (used once the step is written)


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
