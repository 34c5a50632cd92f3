"""admin

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 01:00:00

Issue 9 (the admin): accounts with their scopes, server-side sessions, login
attempts (rate limits) and magic links; the full-text search of tickets
(gateway/models/search.py: FTS5 on SQLite, French GIN indexes on PostgreSQL).
"""

from alembic import op
import sqlalchemy as sa

from gateway.models.base import UTCDateTime
from gateway.models.search import search_backfill_ddl, search_ddl, search_drop_ddl


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('admin_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_accounts')),
    sa.UniqueConstraint('email', name=op.f('uq_admin_accounts_email'))
    )
    op.create_table('admin_login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('client_address', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_login_attempts'))
    )
    op.create_index(op.f('ix_admin_login_attempts_at'), 'admin_login_attempts', ['at'], unique=False)
    op.create_index(op.f('ix_admin_login_attempts_client_address'), 'admin_login_attempts', ['client_address'], unique=False)
    op.create_index(op.f('ix_admin_login_attempts_email'), 'admin_login_attempts', ['email'], unique=False)
    op.create_table('admin_account_scopes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['admin_accounts.id'], name=op.f('fk_admin_account_scopes_account_id_admin_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_admin_account_scopes_area_id_areas'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_admin_account_scopes_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_account_scopes'))
    )
    op.create_index(op.f('ix_admin_account_scopes_account_id'), 'admin_account_scopes', ['account_id'], unique=False)
    op.create_table('admin_magic_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('requested_from', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['admin_accounts.id'], name=op.f('fk_admin_magic_links_account_id_admin_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_magic_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_admin_magic_links_token_hash'))
    )
    op.create_index(op.f('ix_admin_magic_links_account_id'), 'admin_magic_links', ['account_id'], unique=False)
    op.create_table('admin_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_by', sa.String(length=320), nullable=False),
    sa.Column('client_address', sa.String(length=100), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['admin_accounts.id'], name=op.f('fk_admin_sessions_account_id_admin_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_admin_sessions_token_hash'))
    )
    op.create_index(op.f('ix_admin_sessions_account_id'), 'admin_sessions', ['account_id'], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in search_ddl(dialect) + search_backfill_ddl(dialect):
        op.execute(statement)


def downgrade() -> None:
    for statement in search_drop_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_index(op.f('ix_admin_sessions_account_id'), table_name='admin_sessions')
    op.drop_table('admin_sessions')
    op.drop_index(op.f('ix_admin_magic_links_account_id'), table_name='admin_magic_links')
    op.drop_table('admin_magic_links')
    op.drop_index(op.f('ix_admin_account_scopes_account_id'), table_name='admin_account_scopes')
    op.drop_table('admin_account_scopes')
    op.drop_index(op.f('ix_admin_login_attempts_email'), table_name='admin_login_attempts')
    op.drop_index(op.f('ix_admin_login_attempts_client_address'), table_name='admin_login_attempts')
    op.drop_index(op.f('ix_admin_login_attempts_at'), table_name='admin_login_attempts')
    op.drop_table('admin_login_attempts')
    op.drop_table('admin_accounts')
