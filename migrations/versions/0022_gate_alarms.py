"""gate alarms: waiting thresholds per compound, unattended arrivals

Revision ID: 0022
Revises: 0011
Create Date: 2026-12-03 14:00:00

Adds compound.wait_alarm_seconds (30) and compound.wait_escalate_seconds (90), the waiting
alarm's thresholds, and arrival.unattended_at, set when a verified rider waited past the
second one. Existing compounds get the defaults; existing arrivals stay as they were.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0022'
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('compound', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wait_alarm_seconds', sa.Integer(), nullable=False, server_default='30'))
        batch_op.add_column(sa.Column('wait_escalate_seconds', sa.Integer(), nullable=False, server_default='90'))
    with op.batch_alter_table('arrival', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unattended_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('arrival', schema=None) as batch_op:
        batch_op.drop_column('unattended_at')
    with op.batch_alter_table('compound', schema=None) as batch_op:
        batch_op.drop_column('wait_escalate_seconds')
        batch_op.drop_column('wait_alarm_seconds')
