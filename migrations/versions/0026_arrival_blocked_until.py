"""arrival.blocked_until: until when the block that refused a rider holds

Revision ID: 0026
Revises: 0011
Create Date: 2026-12-03 14:00:00

A rider refused by the property's blocklist is told until when (NULL: until the property lifts
it). Existing rows keep NULL: their refusal page says "until lifted" only for blocks, and an
old blocked arrival's exact end is not known any more.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0026'
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('arrival', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocked_until', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('arrival', schema=None) as batch_op:
        batch_op.drop_column('blocked_until')
