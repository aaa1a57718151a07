"""The partnership's balance settings (currency and prompts) carry a version, so a save
made on a form shown before the partner's save is a conflict.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 01:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: a batch rebuild of partnerships would break 0009's triggers.
    op.add_column('partnerships', sa.Column('balance_version', sa.Integer(), nullable=False,
                                            server_default='1'))


def downgrade():
    op.drop_column('partnerships', 'balance_version')  # SQLite 3.35+ drops a column in place
