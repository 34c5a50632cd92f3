"""admin flow

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 01:00:00

Issue 9 (the admin), mail flow, directory and statistics side:

- ``bounces``: one row per delivery report (permanent or delayed), so the
  bounce page can say which participant and which outbound mail;
- ``active`` on organisations, areas and groups, so the directory pages can
  deactivate them (agents already had it). Added with ``ADD COLUMN`` and a
  server default, which SQLite does without rebuilding the table, so the
  directory revision triggers stay in place;
- indexes of the admin's ticket list (``gateway/models/list_indexes.py``),
  found missing by ``benchmarks/admin.py``.
"""

import sqlalchemy as sa
from alembic import op

from gateway.models.base import UTCDateTime

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

DIRECTORY_TABLES_WITH_ACTIVE = ("organisations", "areas", "groups")
LIST_INDEXES = {
    "ix_tickets_created_at_id": ["created_at", "id"],
    "ix_tickets_status_created_at": ["status", "created_at"],
    "ix_tickets_late_since": ["late_since"],
}


def upgrade() -> None:
    op.create_table(
        "bounces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=True),
        sa.Column("outbound_id", sa.Integer(), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("permanent", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["inbound_id"], ["inbound_mail.id"], name=op.f("fk_bounces_inbound_id_inbound_mail"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["outbound_id"], ["outbound_mail.id"],
                                name=op.f("fk_bounces_outbound_id_outbound_mail"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"],
                                name=op.f("fk_bounces_participant_id_participants"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_bounces_ticket_id_tickets"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bounces")),
    )
    for column in ("at", "outbound_id", "participant_id", "ticket_id"):
        op.create_index(op.f(f"ix_bounces_{column}"), "bounces", [column], unique=False)
    for table in DIRECTORY_TABLES_WITH_ACTIVE:
        op.add_column(table, sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False))
    for name, columns in LIST_INDEXES.items():
        op.create_index(name, "tickets", columns, unique=False)


def downgrade() -> None:
    for name in LIST_INDEXES:
        op.drop_index(name, table_name="tickets")
    for table in DIRECTORY_TABLES_WITH_ACTIVE:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("active")
    if op.get_context().dialect.name == "sqlite":  # the batch rebuilt the tables, and dropped their triggers
        from gateway.models.directory import directory_revision_ddl

        for statement in directory_revision_ddl("sqlite"):
            op.execute(statement)
    for column in ("at", "outbound_id", "participant_id", "ticket_id"):
        op.drop_index(op.f(f"ix_bounces_{column}"), table_name="bounces")
    op.drop_table("bounces")
