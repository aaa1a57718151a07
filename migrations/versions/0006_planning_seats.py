"""The goal-mapping session's seats: session_members becomes planning_seats.

"Session" named three things in the code (the planning session, a login session and
the database session); the table takes the planning name. A new table is created and
the rows copied, so its constraints carry the new name on SQLite and PostgreSQL alike.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 09:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

COLUMNS = "partnership_id, quarter_id, user_id, ready_at, confirmed_at"


def _create(name):
    op.create_table(name,
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partnership_id', sa.Integer(), nullable=False),
    sa.Column('quarter_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('ready_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'], name=op.f(f'fk_{name}_partnership_id_partnerships'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['quarter_id'], ['quarters.id'], name=op.f(f'fk_{name}_quarter_id_quarters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f(f'fk_{name}_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    sa.UniqueConstraint('quarter_id', 'user_id', name=op.f(f'uq_{name}_quarter_id_user_id'))
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_partnership_id'), ['partnership_id'], unique=False)


def _move(source, target):
    _create(target)
    op.execute(f"INSERT INTO {target} ({COLUMNS}) SELECT {COLUMNS} FROM {source} ORDER BY id")
    with op.batch_alter_table(source, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f'ix_{source}_partnership_id'))
    op.drop_table(source)


def upgrade():
    _move('session_members', 'planning_seats')


def downgrade():
    _move('planning_seats', 'session_members')
