"""Rituals and solo slots: their rules (kept when they change), skipped or moved
occurrences, and the hours they took from a reviewed quarter.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 22:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ritual_hours',
    sa.Column('quarter_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('personal_hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('shared_hours', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_ritual_hours_partnership_id_partnerships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quarter_id'], ['quarters.id'], name=op.f('fk_ritual_hours_quarter_id_quarters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ritual_hours_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ritual_hours')),
    sa.UniqueConstraint('quarter_id', 'user_id', name=op.f('uq_ritual_hours_quarter_id_user_id'))
    )
    with op.batch_alter_table('ritual_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ritual_hours_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('rituals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('is_private', sa.Boolean(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("(kind = 'solo' AND owner_id IS NOT NULL) OR (kind = 'joint' AND owner_id IS NULL) OR kind = 'flexible'", name=op.f('ck_rituals_owner')),
    sa.CheckConstraint("is_private = false OR kind = 'solo'", name=op.f('ck_rituals_private_solo')),
    sa.CheckConstraint("kind IN ('solo', 'joint', 'flexible')", name=op.f('ck_rituals_kind')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_rituals_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_rituals_goal_id_goals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_rituals_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_rituals_partnership_id_partnerships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rituals'))
    )
    with op.batch_alter_table('rituals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rituals_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('ritual_exceptions',
    sa.Column('ritual_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('moved_to', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ritual_exceptions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_ritual_exceptions_partnership_id_partnerships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ritual_id'], ['rituals.id'], name=op.f('fk_ritual_exceptions_ritual_id_rituals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ritual_exceptions')),
    sa.UniqueConstraint('ritual_id', 'day', name=op.f('uq_ritual_exceptions_ritual_id_day'))
    )
    with op.batch_alter_table('ritual_exceptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ritual_exceptions_partnership_id'), ['partnership_id'], unique=False)

    op.create_table('ritual_rules',
    sa.Column('ritual_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=16), nullable=False),
    sa.Column('weekdays', sa.String(length=20), nullable=False),
    sa.Column('month_day', sa.Integer(), nullable=True),
    sa.Column('nth', sa.Integer(), nullable=True),
    sa.Column('at', sa.Time(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.CheckConstraint("frequency IN ('weekly', 'fortnightly', 'monthly_day', 'monthly_weekday', 'quarterly')", name=op.f('ck_ritual_rules_frequency')),
    sa.CheckConstraint('minutes BETWEEN 5 AND 1440', name=op.f('ck_ritual_rules_minutes')),
    sa.CheckConstraint('month_day IS NULL OR month_day BETWEEN 1 AND 31', name=op.f('ck_ritual_rules_month_day')),
    sa.CheckConstraint('nth IS NULL OR nth IN (-1, 1, 2, 3, 4)', name=op.f('ck_ritual_rules_nth')),
    sa.CheckConstraint('until IS NULL OR until >= starts_on', name=op.f('ck_ritual_rules_until')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_ritual_rules_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f('fk_ritual_rules_partnership_id_partnerships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ritual_id'], ['rituals.id'], name=op.f('fk_ritual_rules_ritual_id_rituals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ritual_rules'))
    )
    with op.batch_alter_table('ritual_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ritual_rules_partnership_id'), ['partnership_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ritual_rules_ritual_id'), ['ritual_id'], unique=False)
        batch_op.create_index('uq_ritual_rules_current', ['ritual_id'], unique=True, sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))



def downgrade():
    with op.batch_alter_table('ritual_rules', schema=None) as batch_op:
        batch_op.drop_index('uq_ritual_rules_current', sqlite_where=sa.text('replaced_at IS NULL'), postgresql_where=sa.text('replaced_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_ritual_rules_ritual_id'))
        batch_op.drop_index(batch_op.f('ix_ritual_rules_partnership_id'))

    op.drop_table('ritual_rules')
    with op.batch_alter_table('ritual_exceptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ritual_exceptions_partnership_id'))

    op.drop_table('ritual_exceptions')
    with op.batch_alter_table('rituals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rituals_partnership_id'))

    op.drop_table('rituals')
    with op.batch_alter_table('ritual_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ritual_hours_partnership_id'))

    op.drop_table('ritual_hours')
