"""The flexibility protocol and its log.

- protocol_versions: each partnership's protocol, one row per version (numbered).
- flex_entries, flex_impacts, flex_decisions, flex_acknowledgements, flex_follow_ups.
- goal_events.flex_entry_id: a goal's story links the entry that changed it.
- Triggers make an agreed entry, its impacts and its decisions append-only in the
  database: an UPDATE of what they record, or a DELETE while their partnership
  exists, fails. Setting a deleted account's or goal's id to NULL is allowed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 14:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# The same lists as goalmap.models.life_events (a migration keeps its own copy).
KEPT = {
    "flex_entries": ("quarter_id", "happened_on", "event", "kind", "look_again_on",
                     "protocol_number", "refers_to_id", "state", "created_at", "agreed_at"),
    "flex_impacts": ("entry_id", "words", "created_at"),
    "flex_decisions": ("entry_id", "action", "reason", "new_target_on", "new_hours",
                       "new_amount", "goal_version", "state", "created_at", "applied_at"),
}
MAY_FORGET = {
    "flex_entries": ("raised_by_id",),
    "flex_impacts": ("user_id",),
    "flex_decisions": ("goal_id", "decided_by_id"),
}
KINDS = ("work", "health", "family", "home", "money", "other")
EVENT_KINDS = ("created", "edited", "moved", "status", "done", "reopened", "carried_over",
               "carried_in", "dropped")


def _one_of(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _base(name, *columns, constraints=()):
    op.create_table(
        name,
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('partnership_id', sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(['partnership_id'], ['partnerships.id'],
                                name=op.f(f'fk_{name}_partnership_id_partnerships'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        *constraints,
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_partnership_id'), ['partnership_id'],
                              unique=False)


def _fk(table, column, target, ondelete):
    return sa.ForeignKeyConstraint([column], [f'{target}.id'],
                                   name=op.f(f'fk_{table}_{column}_{target}'), ondelete=ondelete)


def _changed(table, old, new, distinct):
    kept = [f"{new}.{c} {distinct} {old}.{c}" for c in KEPT[table]]
    forgot = [f"({new}.{c} {distinct} {old}.{c} AND {new}.{c} IS NOT NULL)"
              for c in MAY_FORGET[table]]
    return "(" + " OR ".join(kept + forgot) + ")"


def _agreed(table, row):
    if table == "flex_entries":
        return f"{row}.state = 'agreed'"
    return f"(SELECT state FROM flex_entries WHERE id = {row}.entry_id) = 'agreed'"


def _partnership_lives(row):
    return f"EXISTS (SELECT 1 FROM partnerships WHERE id = {row}.partnership_id)"


def _create_triggers():
    dialect = op.get_bind().dialect.name
    for table in KEPT:
        message = f"an agreed entry of the flexibility log is append-only ({table})"
        if dialect == "sqlite":
            op.execute(
                f"CREATE TRIGGER {table}_append_only_update BEFORE UPDATE ON {table} "
                f"WHEN {_agreed(table, 'OLD')} AND {_changed(table, 'OLD', 'NEW', 'IS NOT')} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table} "
                f"WHEN {_agreed(table, 'OLD')} AND {_partnership_lives('OLD')} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        else:
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$\n"
                f"BEGIN\n"
                f"  IF TG_OP = 'DELETE' THEN\n"
                f"    IF {_agreed(table, 'OLD')} AND {_partnership_lives('OLD')} THEN\n"
                f"      RAISE EXCEPTION '{message}';\n"
                f"    END IF;\n"
                f"    RETURN OLD;\n"
                f"  END IF;\n"
                f"  IF {_agreed(table, 'OLD')} AND "
                f"{_changed(table, 'OLD', 'NEW', 'IS DISTINCT FROM')} THEN\n"
                f"    RAISE EXCEPTION '{message}';\n"
                f"  END IF;\n"
                f"  RETURN NEW;\n"
                f"END $$ LANGUAGE plpgsql"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )


def _drop_triggers():
    dialect = op.get_bind().dialect.name
    for table in KEPT:
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_delete")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


def upgrade():
    _base(
        'protocol_versions',
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('steps_text', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        constraints=(
            _fk('protocol_versions', 'created_by_id', 'users', 'SET NULL'),
            sa.UniqueConstraint('partnership_id', 'number',
                                name=op.f('uq_protocol_versions_partnership_id_number')),
        ),
    )
    _base(
        'flex_entries',
        sa.Column('quarter_id', sa.Integer(), nullable=False),
        sa.Column('raised_by_id', sa.Integer(), nullable=True),
        sa.Column('happened_on', sa.Date(), nullable=False),
        sa.Column('event', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('look_again_on', sa.Date(), nullable=False),
        sa.Column('protocol_number', sa.Integer(), nullable=False),
        sa.Column('refers_to_id', sa.Integer(), nullable=True),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('agreed_at', sa.DateTime(), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
        constraints=(
            sa.CheckConstraint(_one_of("kind", KINDS), name=op.f('ck_flex_entries_kind')),
            sa.CheckConstraint(_one_of("state", ("open", "agreed", "withdrawn")),
                               name=op.f('ck_flex_entries_state')),
            _fk('flex_entries', 'quarter_id', 'quarters', 'CASCADE'),
            _fk('flex_entries', 'raised_by_id', 'users', 'SET NULL'),
            _fk('flex_entries', 'refers_to_id', 'flex_entries', 'SET NULL'),
        ),
    )
    _base(
        'flex_impacts',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('words', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        constraints=(
            _fk('flex_impacts', 'entry_id', 'flex_entries', 'CASCADE'),
            _fk('flex_impacts', 'user_id', 'users', 'SET NULL'),
            sa.UniqueConstraint('entry_id', 'user_id',
                                name=op.f('uq_flex_impacts_entry_id_user_id')),
        ),
    )
    _base(
        'flex_decisions',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('goal_id', sa.Integer(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=8), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('new_target_on', sa.Date(), nullable=True),
        sa.Column('new_hours', sa.Numeric(precision=5, scale=1), nullable=True),
        sa.Column('new_amount', sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column('goal_version', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('applied_at', sa.DateTime(), nullable=True),
        constraints=(
            sa.CheckConstraint(_one_of("action", ("pause", "resume", "shrink", "defer", "drop")),
                               name=op.f('ck_flex_decisions_action')),
            sa.CheckConstraint(_one_of("state", ("proposed", "applied", "withdrawn")),
                               name=op.f('ck_flex_decisions_state')),
            sa.CheckConstraint("new_hours IS NULL OR new_hours >= 0",
                               name=op.f('ck_flex_decisions_hours')),
            sa.CheckConstraint("new_amount IS NULL OR new_amount >= 0",
                               name=op.f('ck_flex_decisions_amount')),
            _fk('flex_decisions', 'entry_id', 'flex_entries', 'CASCADE'),
            _fk('flex_decisions', 'goal_id', 'goals', 'SET NULL'),
            _fk('flex_decisions', 'decided_by_id', 'users', 'SET NULL'),
        ),
    )
    with op.batch_alter_table('flex_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flex_decisions_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_flex_decisions_goal_id'), ['goal_id'], unique=False)
    _base(
        'flex_acknowledgements',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        constraints=(
            _fk('flex_acknowledgements', 'entry_id', 'flex_entries', 'CASCADE'),
            _fk('flex_acknowledgements', 'user_id', 'users', 'CASCADE'),
            sa.UniqueConstraint('entry_id', 'user_id',
                                name=op.f('uq_flex_acknowledgements_entry_id_user_id')),
        ),
    )
    _base(
        'flex_follow_ups',
        sa.Column('entry_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('resumed', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        constraints=(
            _fk('flex_follow_ups', 'entry_id', 'flex_entries', 'CASCADE'),
            _fk('flex_follow_ups', 'user_id', 'users', 'SET NULL'),
            sa.UniqueConstraint('entry_id', name=op.f('uq_flex_follow_ups_entry_id')),
        ),
    )
    with op.batch_alter_table('goal_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flex_entry_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_goal_events_flex_entry_id_flex_entries'),
                                    'flex_entries', ['flex_entry_id'], ['id'], ondelete='SET NULL')
    _create_triggers()


def downgrade():
    _drop_triggers()
    with op.batch_alter_table('goal_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_goal_events_flex_entry_id_flex_entries'),
                                 type_='foreignkey')
        batch_op.drop_column('flex_entry_id')
    for table in ('flex_follow_ups', 'flex_acknowledgements', 'flex_decisions', 'flex_impacts',
                  'flex_entries', 'protocol_versions'):
        op.drop_table(table)
