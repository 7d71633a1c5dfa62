"""complaint deadlines, reminders (催办), evidence photos, rider platform/team on complaints

Revision ID: 0025
Revises: 0021
Create Date: 2026-12-03 14:00:00

Existing complaints get their deadlines from their filing time and the defaults (24 h, 7 days);
those the city already answered or closed keep no answered_at/closed_at (unknown), so they are
never flagged overdue for the past.
"""
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0021"
branch_labels = None
depends_on = None

ANSWERED = ("forwarded", "investigating", "resolved", "rejected")
FINAL = ("resolved", "rejected")


ARRIVAL_INDEX = "ix_arrival_tenant_compound_created"
INCLUDE = ["outcome", "decided_at", "platform_name", "gate_id", "refusal", "reason"]


def _arrival_index(include):
    """PostgreSQL: the dashboards' covering index, with the given INCLUDE columns."""
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite has no INCLUDE: the index is the same
    op.drop_index(ARRIVAL_INDEX, table_name="arrival")
    op.create_index(
        ARRIVAL_INDEX,
        "arrival",
        ["tenant_id", "compound_id", "created_at"],
        postgresql_include=include,
    )


def upgrade():
    # The regulator's figures group arrivals by station and team: index-only on PostgreSQL.
    _arrival_index(INCLUDE + ["station", "team"])
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("complaint_answer_hours", sa.Integer(), nullable=False, server_default="24")
        )
        batch_op.add_column(
            sa.Column("complaint_resolve_days", sa.Integer(), nullable=False, server_default="7")
        )
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        for name, length in (("platform_name", 50), ("station", 60), ("team", 60)):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), nullable=False, server_default="")
            )
        for name in (
            "answer_due_at",
            "resolve_due_at",
            "answered_at",
            "closed_at",
            "answer_overdue_at",
            "resolve_overdue_at",
        ):
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_complaint_resolve_due_at"), ["resolve_due_at"])

    complaint = sa.table(
        "complaint",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sa.DateTime()),
        sa.column("status", sa.String()),
        sa.column("answer_due_at", sa.DateTime()),
        sa.column("resolve_due_at", sa.DateTime()),
        sa.column("answered_at", sa.DateTime()),
        sa.column("closed_at", sa.DateTime()),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(complaint.c.id, complaint.c.created_at, complaint.c.status)).all()
    for cid, created, status in rows:
        values = {
            "answer_due_at": created + timedelta(hours=24),
            "resolve_due_at": created + timedelta(days=7),
        }
        # Already answered or closed: the moment is unknown, the filing time stands in for it.
        if status in ANSWERED:
            values["answered_at"] = created
        if status in FINAL:
            values["closed_at"] = created
        conn.execute(complaint.update().where(complaint.c.id == cid).values(**values))

    op.create_table(
        "complaint_reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("city_count", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("give_up_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint.tenant_id", "complaint.id"],
            name="fk_complaint_reminder_complaint_tenant",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_complaint_reminder_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_reminder")),
    )
    with op.batch_alter_table("complaint_reminder", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_reminder_due", ["due_at"])
        batch_op.create_index(
            "ix_complaint_reminder_tenant_complaint", ["tenant_id", "complaint_id"]
        )
        batch_op.create_index(batch_op.f("ix_complaint_reminder_tenant_id"), ["tenant_id"])

    op.create_table(
        "complaint_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint.tenant_id", "complaint.id"],
            name="fk_complaint_photo_complaint_tenant",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_complaint_photo_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_photo")),
        sa.UniqueConstraint("key", name=op.f("uq_complaint_photo_key")),
    )
    with op.batch_alter_table("complaint_photo", schema=None) as batch_op:
        batch_op.create_index("ix_complaint_photo_tenant_complaint", ["tenant_id", "complaint_id"])
        batch_op.create_index(batch_op.f("ix_complaint_photo_tenant_id"), ["tenant_id"])


def downgrade():
    _arrival_index(INCLUDE)
    op.drop_table("complaint_photo")
    op.drop_table("complaint_reminder")
    with op.batch_alter_table("complaint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_resolve_due_at"))
        for name in (
            "resolve_overdue_at",
            "answer_overdue_at",
            "closed_at",
            "answered_at",
            "resolve_due_at",
            "answer_due_at",
            "team",
            "station",
            "platform_name",
        ):
            batch_op.drop_column(name)
    with op.batch_alter_table("tenant", schema=None) as batch_op:
        batch_op.drop_column("complaint_resolve_days")
        batch_op.drop_column("complaint_answer_hours")
