"""The weekly check-in: the couple's prompts (versions) and each partner's answers,
and the partnership's first day of the week.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 15:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'],
                                   name=op.f(f'fk_{table}_{column}_{target}'), ondelete=ondelete)


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of partnerships would break 0009's triggers.
    op.add_column('partnerships', sa.Column('week_starts_on', sa.Integer(), nullable=False,
                                            server_default='0'))
    op.create_table(
        'prompt_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('prompts_text', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _fk('prompt_versions', 'partnership_id', 'partnerships', 'CASCADE'),
        _fk('prompt_versions', 'created_by_id', 'users', 'SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_versions')),
        sa.UniqueConstraint('partnership_id', 'number',
                            name=op.f('uq_prompt_versions_partnership_id_number')),
    )
    op.create_table(
        'weekly_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('week_of', sa.Date(), nullable=False),
        sa.Column('prompts_json', sa.Text(), nullable=False),
        sa.Column('answers_json', sa.Text(), nullable=False),
        sa.Column('energy', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint('energy IS NULL OR energy BETWEEN 1 AND 5',
                           name=op.f('ck_weekly_answers_energy')),
        _fk('weekly_answers', 'partnership_id', 'partnerships', 'CASCADE'),
        _fk('weekly_answers', 'user_id', 'users', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_answers')),
        sa.UniqueConstraint('user_id', 'week_of', name=op.f('uq_weekly_answers_user_id_week_of')),
    )
    for table in ('prompt_versions', 'weekly_answers'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f'ix_{table}_partnership_id'), ['partnership_id'],
                                  unique=False)


def downgrade():
    op.drop_table('weekly_answers')
    op.drop_table('prompt_versions')
    op.drop_column('partnerships', 'week_starts_on')
