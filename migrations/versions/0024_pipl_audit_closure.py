"""PIPL end to end: audit retention, account closure, rider deletion requests, append-only audit

Revision ID: 0024
Revises: 0011
Create Date: 2026-12-03 14:00:00

Adds tenant.audit_retention_days (at least 180, default 365), tenant.closing_at and
tenant.delete_after (an account closed by its owner, deleted by a job after 30 days), the
rider_deletion_request table, and on PostgreSQL a trigger that refuses every UPDATE of an
audit_event row and every DELETE except the retention purge of rows at least 180 days old
(the purge sets `xgm.audit_purge` for its transaction) and the deletion of a closed company
whose grace period is over.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0011"
branch_labels = None
depends_on = None

TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION xgm_audit_event_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF current_setting('xgm.audit_purge', true) = 'retention'
           AND OLD.created_at < (now() AT TIME ZONE 'UTC') - interval '180 days' THEN
            RETURN OLD;
        END IF;
        IF current_setting('xgm.audit_purge', true) = 'closure' AND EXISTS (
            SELECT 1 FROM tenant t WHERE t.id = OLD.tenant_id
               AND t.status = 'closing' AND t.delete_after <= (now() AT TIME ZONE 'UTC')
        ) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit_event rows are append-only (delete refused)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RAISE EXCEPTION 'audit_event rows are append-only (update refused)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def upgrade():
    with op.batch_alter_table("tenant") as batch:
        batch.add_column(
            sa.Column("audit_retention_days", sa.Integer(), nullable=False, server_default="365")
        )
        batch.add_column(sa.Column("closing_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("delete_after", sa.DateTime(), nullable=True))

    op.create_table(
        "rider_deletion_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenant.id"), nullable=False),
        sa.Column("rider_code", sa.String(32), nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("answer", sa.String(500), nullable=False, server_default=""),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by_name", sa.String(50), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_rider_deletion_request_tenant_id", "rider_deletion_request", ["tenant_id"])
    op.create_index(
        "ix_rider_deletion_request_tenant_status",
        "rider_deletion_request",
        ["tenant_id", "status", "created_at"],
    )
    op.create_index(
        "ix_rider_deletion_request_tenant_rider",
        "rider_deletion_request",
        ["tenant_id", "rider_code"],
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRIGGER_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION xgm_audit_event_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS xgm_audit_event_append_only()")
    op.drop_index("ix_rider_deletion_request_tenant_rider", "rider_deletion_request")
    op.drop_index("ix_rider_deletion_request_tenant_status", "rider_deletion_request")
    op.drop_index("ix_rider_deletion_request_tenant_id", "rider_deletion_request")
    op.drop_table("rider_deletion_request")
    with op.batch_alter_table("tenant") as batch:
        batch.drop_column("delete_after")
        batch.drop_column("closing_at")
        batch.drop_column("audit_retention_days")
