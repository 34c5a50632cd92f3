"""understanding

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 01:00:00

Reserved for issue 12 (understanding): anything its reader must store.
Empty until that work lands, so that every piece of work has its own step in
one linear history.
"""

from alembic import op  # noqa: F401  (used once the step is written)


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
