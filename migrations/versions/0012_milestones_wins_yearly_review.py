"""Milestones on goals, wins with appreciation and reactions, and the yearly review.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'],
                                   name=op.f(f'fk_{table}_{column}_{target}'), ondelete=ondelete)


def _id_and_partnership(table):
    return (
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        _fk(table, 'partnership_id', 'partnerships', 'CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{table}')),
    )


def upgrade():
    # Plain ADD COLUMNs: a batch rebuild of partnerships would break 0009's triggers.
    op.add_column('partnerships', sa.Column('review_month', sa.Integer(), nullable=True))
    op.add_column('partnerships', sa.Column('review_day', sa.Integer(), nullable=True))
    op.add_column('goals', sa.Column('milestones_total', sa.Integer(), nullable=False,
                                     server_default='0'))
    op.add_column('goals', sa.Column('milestones_done', sa.Integer(), nullable=False,
                                     server_default='0'))
    op.create_table(
        'milestones',
        *_id_and_partnership('milestones'),
        sa.Column('goal_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('target_on', sa.Date(), nullable=True),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('done_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('deleted_at', sa.DateTime(), nullable=True),
        _fk('milestones', 'goal_id', 'goals', 'CASCADE'),
        _fk('milestones', 'done_by_id', 'users', 'SET NULL'),
    )
    op.create_table(
        'wins',
        *_id_and_partnership('wins'),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('subject_id', sa.Integer(), nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=False),
        sa.Column('quarter_id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('shared_by_owner', sa.Boolean(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('milestone', 'goal', 'contract')", name=op.f('ck_wins_kind')),
        _fk('wins', 'goal_id', 'goals', 'CASCADE'),
        _fk('wins', 'quarter_id', 'quarters', 'CASCADE'),
        _fk('wins', 'owner_id', 'users', 'CASCADE'),
        _fk('wins', 'user_id', 'users', 'SET NULL'),
        sa.UniqueConstraint('kind', 'subject_id', name=op.f('uq_wins_kind_subject_id')),
    )
    op.create_table(
        'appreciations',
        *_id_and_partnership('appreciations'),
        sa.Column('win_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _fk('appreciations', 'win_id', 'wins', 'CASCADE'),
        _fk('appreciations', 'author_id', 'users', 'SET NULL'),
    )
    op.create_table(
        'win_reactions',
        *_id_and_partnership('win_reactions'),
        sa.Column('win_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('reaction', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.CheckConstraint("reaction IN ('love', 'proud', 'applause', 'together')",
                           name=op.f('ck_win_reactions_reaction')),
        _fk('win_reactions', 'win_id', 'wins', 'CASCADE'),
        _fk('win_reactions', 'user_id', 'users', 'CASCADE'),
        sa.UniqueConstraint('win_id', 'user_id', 'reaction',
                            name=op.f('uq_win_reactions_win_id_user_id_reaction')),
    )
    op.create_table(
        'wins_seen',
        *_id_and_partnership('wins_seen'),
        sa.Column('win_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('seen_at', sa.DateTime(), nullable=False),
        _fk('wins_seen', 'win_id', 'wins', 'CASCADE'),
        _fk('wins_seen', 'user_id', 'users', 'CASCADE'),
        sa.UniqueConstraint('win_id', 'user_id', name=op.f('uq_wins_seen_win_id_user_id')),
    )
    op.create_table(
        'yearly_reviews',
        *_id_and_partnership('yearly_reviews'),
        sa.Column('starts_on', sa.Date(), nullable=False),
        sa.Column('ends_on', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('questions_json', sa.Text(), nullable=False),
        sa.Column('keep', sa.Text(), nullable=False),
        sa.Column('change', sa.Text(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('summary_json', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('kept_at', sa.DateTime(), nullable=True),
        sa.Column('kept_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("state IN ('open', 'kept')", name=op.f('ck_yearly_reviews_state')),
        sa.CheckConstraint('ends_on > starts_on',
                           name=op.f('ck_yearly_reviews_ends_after_start')),
        _fk('yearly_reviews', 'created_by_id', 'users', 'SET NULL'),
        _fk('yearly_reviews', 'kept_by_id', 'users', 'SET NULL'),
        sa.UniqueConstraint('partnership_id', 'ends_on',
                            name=op.f('uq_yearly_reviews_partnership_id_ends_on')),
    )
    op.create_table(
        'yearly_answers',
        *_id_and_partnership('yearly_answers'),
        sa.Column('review_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('answers_json', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        _fk('yearly_answers', 'review_id', 'yearly_reviews', 'CASCADE'),
        _fk('yearly_answers', 'user_id', 'users', 'CASCADE'),
        sa.UniqueConstraint('review_id', 'user_id',
                            name=op.f('uq_yearly_answers_review_id_user_id')),
    )
    indexes = {
        'milestones': ['goal_id'], 'wins': ['goal_id', 'quarter_id'],
        'appreciations': ['win_id'], 'win_reactions': ['win_id'], 'wins_seen': ['win_id'],
        'yearly_answers': ['review_id'], 'yearly_reviews': [],
    }
    for table, columns in indexes.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in ['partnership_id', *columns]:
                batch_op.create_index(batch_op.f(f'ix_{table}_{column}'), [column], unique=False)


def downgrade():
    for table in ('yearly_answers', 'yearly_reviews', 'wins_seen', 'win_reactions',
                  'appreciations', 'wins', 'milestones'):
        op.drop_table(table)
    op.drop_column('goals', 'milestones_done')
    op.drop_column('goals', 'milestones_total')
    op.drop_column('partnerships', 'review_day')
    op.drop_column('partnerships', 'review_month')
