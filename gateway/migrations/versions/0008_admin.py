"""admin

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 01:00:00

Reserved for issue 9 (the admin): accounts, sessions, ticket scopes, full-text search.
Empty until that work lands, so that every piece of work has its own step in
one linear history.
"""

from alembic import op  # noqa: F401  (used once the step is written)


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
