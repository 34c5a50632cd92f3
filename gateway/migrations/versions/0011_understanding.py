"""understanding: the author's identity block, apart from their words

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 01:00:00

Issue 12: a message's text is the author's words with the closing formula;
the identity block (name, title, service, address, phone) found under it is
kept in ``messages.signature`` so that relayed mail shows it apart, in a
shorter form (without contact details for the usager's copy).
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("signature", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("signature")
