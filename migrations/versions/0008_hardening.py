"""hardening: one sign-in namespace (sign_in_email), background export retries

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00.000000

The sign-in namespace: every office user and observer gets its row in `sign_in_email`, keyed by
the normalised email (trimmed, lower case) under a unique index, and their own emails are
stored normalised. Before this, sign-up and /team did not look at observers' emails, so an
existing database may hold an email used twice (a company account and an official's, or two
spellings of one address). Such duplicates are REPORTED AND THE MIGRATION FAILS, changing
nothing: which account keeps the email is a decision about who owns an official's sign-in, and
no rule here could make it safely (the older account is not always the rightful one; merging
would hand one person's access to another). The report names every account involved; give all
but one of them another email (e.g. UPDATE observer SET email = '...' WHERE id = ...) and run
the migration again.
"""

import logging
import sys
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


class DuplicateSignInEmails(RuntimeError):
    """Existing accounts share a sign-in email: the operator must decide who keeps it."""


def _accounts(conn) -> list[tuple[str, str, int, str]]:
    """(normalised email, kind, id, description) of every account that signs in at /login."""
    rows = []
    for user_id, tenant_id, email, role in conn.execute(
        sa.text("SELECT id, tenant_id, email, role FROM user_account ORDER BY id")
    ):
        rows.append(
            ((email or "").strip().lower(), "user", user_id, f"user_account id={user_id} "
             f"(tenant {tenant_id}, {role}) email={email!r}")
        )
    for observer_id, email, area in conn.execute(
        sa.text("SELECT id, email, area FROM observer ORDER BY id")
    ):
        rows.append(
            ((email or "").strip().lower(), "observer", observer_id,
             f"observer id={observer_id} ({area}) email={email!r}")
        )
    return rows


def _refuse_duplicates(rows) -> None:
    groups: dict[str, list[str]] = {}
    for email, _kind, _id, description in rows:
        groups.setdefault(email, []).append(description)
    duplicates = {email: found for email, found in groups.items() if len(found) > 1}
    if not duplicates:
        return
    lines = [
        f"{len(duplicates)} sign-in email(s) are used by more than one account; nothing was "
        "changed. Give all but one account of each email another address, then migrate again:"
    ]
    for email, found in sorted(duplicates.items()):
        lines.append(f"  {email}:")
        lines.extend(f"    {description}" for description in found)
    report = "\n".join(lines)
    log.error(report)
    print(report, file=sys.stderr)
    raise DuplicateSignInEmails(report)


def upgrade():
    conn = op.get_bind()
    rows = _accounts(conn)
    _refuse_duplicates(rows)

    sign_in_email = op.create_table(
        "sign_in_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_email")),
        sa.UniqueConstraint("email", name=op.f("uq_sign_in_email_email")),
    )
    with op.batch_alter_table("sign_in_email", schema=None) as batch_op:
        batch_op.create_index("uq_sign_in_email_account", ["kind", "account_id"], unique=True)

    for table, kind in (("user_account", "user"), ("observer", "observer")):
        conn.execute(sa.text(f"UPDATE {table} SET email = LOWER(TRIM(email))"))  # noqa: S608
    now = datetime.now(UTC).replace(tzinfo=None)
    if rows:
        op.bulk_insert(
            sign_in_email,
            [
                {"email": email, "kind": kind, "account_id": ident, "created_at": now}
                for email, kind, ident, _description in rows
            ],
        )


    # Background exports: when asked for, runs started, the running job's last sign of life.
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queued_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    conn.execute(sa.text("UPDATE export_job SET queued_at = created_at"))
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.alter_column("queued_at", existing_type=sa.DateTime(), nullable=False)
        batch_op.alter_column("attempts", existing_type=sa.Integer(), server_default=None)


def downgrade():
    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("queued_at")
    with op.batch_alter_table("sign_in_email", schema=None) as batch_op:
        batch_op.drop_index("uq_sign_in_email_account")
    op.drop_table("sign_in_email")
