"""Personal development contracts, and the partnership's time zone.

- partnerships.time_zone: check-ins fall due by the partners' own calendar.
- contracts (at most one open per goal), contract_terms (every version kept),
  contract_check_ins (with the witness's encouragement).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'],
                                   name=op.f(f'fk_{table}_{column}_{target}'), ondelete=ondelete)


def _base(name, *items):
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        *items,
        _fk(name, 'partnership_id', 'partnerships', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_partnership_id'), ['partnership_id'],
                              unique=False)


def upgrade():
    # Not in batch mode: on SQLite that rebuilds the table, which the flexibility log's
    # triggers (migration 0009) name; a plain ADD COLUMN leaves it as it is.
    op.add_column('partnerships', sa.Column('time_zone', sa.String(length=64), nullable=False,
                                            server_default='UTC'))
    _base(
        'contracts',
        sa.Column('goal_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('shown_to_partner', sa.Boolean(), nullable=False),
        sa.Column('reflection', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("state IN ('draft', 'active', 'completed', 'released', 'discarded')",
                           name=op.f('ck_contracts_state')),
        _fk('contracts', 'goal_id', 'goals', 'CASCADE'),
        _fk('contracts', 'owner_id', 'users', 'CASCADE'),
    )
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contracts_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index('uq_contracts_open_goal', ['goal_id'], unique=True,
                              sqlite_where=sa.text("state IN ('draft', 'active')"),
                              postgresql_where=sa.text("state IN ('draft', 'active')"))
    _base(
        'contract_terms',
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('commitment', sa.Text(), nullable=False),
        sa.Column('success', sa.Text(), nullable=False),
        sa.Column('support', sa.Text(), nullable=False),
        sa.Column('cadence', sa.String(length=12), nullable=False),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('signed_by_id', sa.Integer(), nullable=True),
        sa.Column('signed_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("cadence IN ('weekly', 'fortnightly', 'monthly')",
                           name=op.f('ck_contract_terms_cadence')),
        sa.CheckConstraint("ends_on > starts_on", name=op.f('ck_contract_terms_ends_after_start')),
        _fk('contract_terms', 'contract_id', 'contracts', 'CASCADE'),
        _fk('contract_terms', 'signed_by_id', 'users', 'SET NULL'),
        sa.UniqueConstraint('contract_id', 'number',
                            name=op.f('uq_contract_terms_contract_id_number')),
    )
    _base(
        'contract_check_ins',
        sa.Column('contract_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('on_day', sa.Date(), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('encouragement', sa.Text(), nullable=True),
        sa.Column('encouraged_by_id', sa.Integer(), nullable=True),
        sa.Column('encouraged_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("progress BETWEEN 0 AND 100",
                           name=op.f('ck_contract_check_ins_progress')),
        _fk('contract_check_ins', 'contract_id', 'contracts', 'CASCADE'),
        _fk('contract_check_ins', 'user_id', 'users', 'SET NULL'),
        _fk('contract_check_ins', 'encouraged_by_id', 'users', 'SET NULL'),
    )
    with op.batch_alter_table('contract_check_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_check_ins_contract_id'), ['contract_id'],
                              unique=False)


def downgrade():
    for table in ('contract_check_ins', 'contract_terms', 'contracts'):
        op.drop_table(table)
    op.drop_column('partnerships', 'time_zone')  # SQLite 3.35+ drops a column in place
