"""scale

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 01:00:00

Reserved for issue 13 (cost that does not grow): indexes and compact storage.
Empty until that work lands, so that every piece of work has its own step in
one linear history.
"""

from alembic import op  # noqa: F401  (used once the step is written)


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
