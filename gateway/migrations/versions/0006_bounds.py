"""bounds

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 01:00:00

Reserved for issue 10 (hardening): bounded work, SMTP limits, relayed size.
Empty until that work lands, so that every piece of work has its own step in
one linear history.
"""

from alembic import op  # noqa: F401  (used once the step is written)


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
