"""A lane named after its member holds the member's whole name (80 characters).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 14:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('lanes', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=60), type_=sa.String(length=80))


def downgrade():
    # Names longer than the old column are cut to fit, rather than refusing to downgrade.
    op.execute("UPDATE lanes SET name = substr(name, 1, 60) WHERE length(name) > 60")
    with op.batch_alter_table('lanes', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=80), type_=sa.String(length=60))
