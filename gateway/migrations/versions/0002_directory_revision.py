"""directory revision: a token the directory's triggers change on every write

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 03:00:00

Routing caches a snapshot of the directory and reloads it only when this token
changed (see routing/directory/snapshot.py).
"""

from alembic import op
import sqlalchemy as sa

from gateway.models.directory import directory_revision_ddl, directory_revision_drop_ddl


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('directory_revision',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_directory_revision_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_revision'))
    )
    # The row and the triggers come from the same function Base.metadata.create_all
    # uses (gateway/models/directory.py): one source of truth for both schemas.
    for statement in directory_revision_ddl(op.get_context().dialect.name):
        op.execute(statement)


def downgrade() -> None:
    for statement in directory_revision_drop_ddl(op.get_context().dialect.name):
        op.execute(statement)
    op.drop_table('directory_revision')
