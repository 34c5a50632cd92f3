"""review

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 01:00:00

Reserved for issue 10 (hardening): held replies and authentication verdicts.
Empty until that work lands, so that every piece of work has its own step in
one linear history.
"""

from alembic import op  # noqa: F401  (used once the step is written)


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
