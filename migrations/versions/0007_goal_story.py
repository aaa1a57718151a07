"""A quarter is a record, done is one fact, one current note, and a goal's story.

- goals: carried_from_id (a carried-over goal's continuation points back to it; at
  most one continuation per goal), comment_count, and the status "carried".
- stages: is_done, at most one per partnership; each partnership's column named
  "Done" (the default board's) becomes it.
- allocations: one current note per partner and goal. Where a partner had several,
  the newest stays current and the others are marked replaced, as saving again would.
- goal_events: the kinds of a goal's whole history.
- goal_comments: a kind (comment or cheer), one cheer per member and goal.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 09:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

EVENT_KINDS = ("created", "edited", "moved", "status", "done", "reopened", "carried_over",
               "carried_in", "dropped")
OLD_EVENT_KINDS = ("carried_over", "dropped", "done")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('comment_count', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_unique_constraint(batch_op.f('uq_goals_carried_from_id'), ['carried_from_id'])
        batch_op.create_foreign_key(batch_op.f('fk_goals_carried_from_id_goals'), 'goals', ['carried_from_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('ck_goals_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('active', 'paused', 'dropped', 'done', 'carried')")
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.alter_column('comment_count', server_default=None)
    op.execute(
        "UPDATE goals SET comment_count = (SELECT count(*) FROM goal_comments"
        " WHERE goal_comments.goal_id = goals.id)"
    )

    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_done', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.alter_column('is_done', server_default=None)
    # The right-most column named "Done" of each partnership is its done column.
    op.execute(
        "UPDATE stages SET is_done = true WHERE id IN (SELECT max(s.id) FROM stages s"
        " WHERE s.name = 'Done' AND s.position = (SELECT max(t.position) FROM stages t"
        " WHERE t.partnership_id = s.partnership_id AND t.name = 'Done')"
        " GROUP BY s.partnership_id)"
    )
    op.create_index('uq_stages_done', 'stages', ['partnership_id'], unique=True,
                    sqlite_where=sa.text('is_done'), postgresql_where=sa.text('is_done'))

    op.execute(
        "UPDATE allocations SET replaced_at = created_at WHERE replaced_at IS NULL AND EXISTS"
        " (SELECT 1 FROM allocations newer WHERE newer.goal_id = allocations.goal_id"
        " AND newer.user_id = allocations.user_id AND newer.replaced_at IS NULL"
        " AND (newer.created_at > allocations.created_at OR (newer.created_at ="
        " allocations.created_at AND newer.id > allocations.id)))"
    )
    op.create_index('uq_allocations_current', 'allocations', ['goal_id', 'user_id'], unique=True,
                    sqlite_where=sa.text('replaced_at IS NULL'),
                    postgresql_where=sa.text('replaced_at IS NULL'))

    with op.batch_alter_table('goal_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_goal_events_kind'), type_='check')
        batch_op.create_check_constraint('kind', _one_of('kind', EVENT_KINDS))

    with op.batch_alter_table('goal_comments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=8), nullable=False, server_default='comment'))
        batch_op.create_check_constraint('kind', "kind IN ('comment', 'cheer')")
    with op.batch_alter_table('goal_comments', schema=None) as batch_op:
        batch_op.alter_column('kind', server_default=None)
    op.create_index('uq_goal_comments_one_cheer', 'goal_comments', ['goal_id', 'author_id'], unique=True,
                    sqlite_where=sa.text("kind = 'cheer'"), postgresql_where=sa.text("kind = 'cheer'"))


def downgrade():
    op.drop_index('uq_goal_comments_one_cheer', table_name='goal_comments')
    with op.batch_alter_table('goal_comments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_goal_comments_kind'), type_='check')
        batch_op.drop_column('kind')

    op.execute(f"DELETE FROM goal_events WHERE NOT ({_one_of('kind', OLD_EVENT_KINDS)})")
    with op.batch_alter_table('goal_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_goal_events_kind'), type_='check')
        batch_op.create_check_constraint('kind', _one_of('kind', OLD_EVENT_KINDS))

    op.drop_index('uq_allocations_current', table_name='allocations')
    op.drop_index('uq_stages_done', table_name='stages')
    with op.batch_alter_table('stages', schema=None) as batch_op:
        batch_op.drop_column('is_done')

    op.execute("UPDATE goals SET status = 'done' WHERE status = 'carried'")
    with op.batch_alter_table('goals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_goals_status'), type_='check')
        batch_op.create_check_constraint('status', "status IN ('active', 'paused', 'dropped', 'done')")
        batch_op.drop_constraint(batch_op.f('fk_goals_carried_from_id_goals'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_goals_carried_from_id'), type_='unique')
        batch_op.drop_column('comment_count')
        batch_op.drop_column('carried_from_id')
