"""lifecycle: a ticket's relational scope, taking, usefulness, reminders, retention

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 01:00:00

Issue 11 (the life of a case). Tables ticket_organisations, ticket_areas and
ticket_groups hold the scope routing chose (so the admin filters in SQL);
older tickets are backfilled from the routing JSON they keep. New ticket
columns say who took the case, the requester's usefulness answer, since when
it is late, which ticket it follows, and when its personal data was wiped.
lifecycle_marks makes each reminder happen once. memberships.role marks the
area managers and experts brought into late cases.

memberships is a directory table with triggers: the column is added with a
plain ALTER (no table rebuild), and the downgrade, which rebuilds it on
SQLite, installs the triggers again.
"""

import sqlalchemy as sa
from alembic import op

from gateway.models.directory import directory_revision_ddl

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

TICKET_COLUMNS = ("taken_by_id", "usefulness", "usefulness_at", "late_since", "previous_ticket_id", "purged_at")


def upgrade() -> None:
    op.create_table('ticket_organisations',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_ticket_organisations_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_organisations_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'organisation_id', name=op.f('pk_ticket_organisations'))
    )
    op.create_index(op.f('ix_ticket_organisations_organisation_id'), 'ticket_organisations', ['organisation_id'], unique=False)
    op.create_table('ticket_areas',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_ticket_areas_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_areas_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'area_id', 'role', name=op.f('pk_ticket_areas'))
    )
    op.create_index(op.f('ix_ticket_areas_area_id'), 'ticket_areas', ['area_id'], unique=False)
    op.create_table('ticket_groups',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_ticket_groups_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_groups_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'group_id', name=op.f('pk_ticket_groups'))
    )
    op.create_index('ix_ticket_groups_group_active', 'ticket_groups', ['group_id', 'active'], unique=False)
    op.create_table('lifecycle_marks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_lifecycle_marks_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lifecycle_marks')),
    sa.UniqueConstraint('key', name=op.f('uq_lifecycle_marks_key'))
    )
    op.create_index(op.f('ix_lifecycle_marks_ticket_id'), 'lifecycle_marks', ['ticket_id'], unique=False)
    op.add_column('tickets', sa.Column('taken_by_id', sa.Integer(), nullable=True))
    op.add_column('tickets', sa.Column('usefulness', sa.String(length=12), nullable=True))
    op.add_column('tickets', sa.Column('usefulness_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('late_since', sa.DateTime(timezone=True), nullable=True))
    op.add_column('tickets', sa.Column('previous_ticket_id', sa.Integer(), nullable=True))
    op.add_column('tickets', sa.Column('purged_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('participants', sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('participants', sa.Column('away_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('memberships', sa.Column('role', sa.String(length=20), server_default='', nullable=False))
    backfill_scopes(op.get_bind())


def backfill_scopes(connection) -> None:
    """Scope rows for the tickets opened before this step, from their routing JSON and agents' groups."""
    from gateway.processing.scope import scope_from_record

    organisations = dict(connection.execute(sa.text("SELECT code, id FROM organisations")).all())
    areas = dict(connection.execute(sa.text("SELECT code, id FROM areas")).all())
    groups = set(connection.execute(sa.text("SELECT id FROM groups")).scalars())
    tickets = connection.execute(sa.text("SELECT id, created_at, routing FROM tickets")).all()
    participant_groups: dict[int, set[int]] = {}
    for ticket_id, group_id in connection.execute(
        sa.text("SELECT DISTINCT ticket_id, group_id FROM participants WHERE group_id IS NOT NULL")
    ):
        participant_groups.setdefault(ticket_id, set()).add(group_id)
    for ticket_id, created_at, routing in tickets:
        scope = scope_from_record(routing or "{}")
        for code in scope.organisations:
            if code in organisations:
                _insert(connection, "ticket_organisations", ticket_id=ticket_id, organisation_id=organisations[code])
        for code, role in dict.fromkeys(scope.areas):
            if code in areas:
                _insert(connection, "ticket_areas", ticket_id=ticket_id, area_id=areas[code], role=role)
        for group_id in dict.fromkeys([*scope.group_ids, *sorted(participant_groups.get(ticket_id, ()))]):
            if group_id in groups:
                _insert(connection, "ticket_groups", ticket_id=ticket_id, group_id=group_id, active=True,
                        added_at=created_at)


def _insert(connection, table: str, **values) -> None:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    connection.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({marks})"), values)


def downgrade() -> None:
    with op.batch_alter_table('memberships') as batch_op:
        batch_op.drop_column('role')
    for statement in directory_revision_ddl(op.get_context().dialect.name):  # SQLite rebuilt the table
        op.execute(statement)
    with op.batch_alter_table('participants') as batch_op:
        batch_op.drop_column('away_at')
        batch_op.drop_column('removed_at')
    with op.batch_alter_table('tickets') as batch_op:
        for column in reversed(TICKET_COLUMNS):
            batch_op.drop_column(column)
    op.drop_index(op.f('ix_lifecycle_marks_ticket_id'), table_name='lifecycle_marks')
    op.drop_table('lifecycle_marks')
    op.drop_index('ix_ticket_groups_group_active', table_name='ticket_groups')
    op.drop_table('ticket_groups')
    op.drop_index(op.f('ix_ticket_areas_area_id'), table_name='ticket_areas')
    op.drop_table('ticket_areas')
    op.drop_index(op.f('ix_ticket_organisations_organisation_id'), table_name='ticket_organisations')
    op.drop_table('ticket_organisations')
