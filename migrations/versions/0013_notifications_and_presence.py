"""Notifications for each member, and who has a page open (presence).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 19:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

KINDS = ('cheered', 'commented', 'flex_proposed', 'flex_acknowledged', 'contract_signed',
         'contract_renegotiated', 'encouraged', 'session_waiting', 'check_in_due',
         'look_again_due', 'weekly_due')


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'],
                                   name=op.f(f'fk_{table}_{column}_{target}'), ondelete=ondelete)


def upgrade():
    op.create_table(
        'presences',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('place', sa.String(length=40), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        _fk('presences', 'partnership_id', 'partnerships', 'CASCADE'),
        _fk('presences', 'user_id', 'users', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_presences')),
    )
    op.create_index('ix_presences_partnership_id_place', 'presences',
                    ['partnership_id', 'place'])
    op.create_table(
        'notifications',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=True),
        sa.Column('entry_id', sa.Integer(), nullable=True),
        sa.Column('contract_id', sa.Integer(), nullable=True),
        sa.Column('quarter_id', sa.Integer(), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('key', sa.String(length=80), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('read_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('kind IN (' + ', '.join(repr(kind) for kind in KINDS) + ')',
                           name=op.f('ck_notifications_kind')),
        _fk('notifications', 'partnership_id', 'partnerships', 'CASCADE'),
        _fk('notifications', 'user_id', 'users', 'CASCADE'),
        _fk('notifications', 'actor_id', 'users', 'SET NULL'),
        _fk('notifications', 'goal_id', 'goals', 'CASCADE'),
        _fk('notifications', 'entry_id', 'flex_entries', 'CASCADE'),
        _fk('notifications', 'contract_id', 'contracts', 'CASCADE'),
        _fk('notifications', 'quarter_id', 'quarters', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
        sa.UniqueConstraint('user_id', 'key', name=op.f('uq_notifications_user_id_key')),
    )
    op.create_index(op.f('ix_notifications_created_at'), 'notifications', ['created_at'])
    op.create_index(op.f('ix_notifications_partnership_id'), 'notifications',
                    ['partnership_id'])


def downgrade():
    op.drop_index(op.f('ix_notifications_partnership_id'), table_name='notifications')
    op.drop_index(op.f('ix_notifications_created_at'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index('ix_presences_partnership_id_place', table_name='presences')
    op.drop_table('presences')
