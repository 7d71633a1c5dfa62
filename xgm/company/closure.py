"""Closing a company's account: suspended at once, deleted after the grace period.

The operator can cancel a pending closure on request (xgm.ops, which also ends the sessions
and keeps the log used here).

Deleting removes every row the company owns (every tenant-owned table, its users' sign-in
emails, then the tenant row) in one transaction; the operator log keeps one
"tenant.deleted" row with the tenant id and row counts only: no names, no personal data.
"""

import logging
from datetime import timedelta

from sqlalchemy import delete, select, text

from tenants import Tenant, TenantScoped, unscoped, utcnow
from xgm.accounts.emails import SignInEmail
from xgm.accounts.models import User
from xgm.company import GRACE_DAYS
from xgm.extensions import db
from xgm.ops.journal import record_action
from xgm.ops.views import end_tenant_sessions

log = logging.getLogger(__name__)


def close_company(tenant: Tenant, now=None) -> None:
    """Suspend the company now and set its deletion date; ends every session (caller commits)."""
    now = now or utcnow()
    tenant.status = "closing"
    tenant.closing_at = now
    tenant.delete_after = now + timedelta(days=GRACE_DAYS)
    end_tenant_sessions(tenant.id)


def _owned_tables() -> list:
    """Every table with the company's rows, children before parents."""
    scoped = {
        m.local_table for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)
    }
    return [t for t in reversed(db.metadata.sorted_tables) if t in scoped]


def delete_company(tenant_id: int, now=None) -> dict[str, int] | None:
    """Delete a closed company whose grace period is over; None when it is not due (yet)."""
    now = now or utcnow()
    tenant = db.session.get(Tenant, tenant_id)
    if tenant is None or tenant.status != "closing" or tenant.delete_after is None:
        return None
    if tenant.delete_after > now:
        return None
    counts: dict[str, int] = {}
    with unscoped():  # system work: everything of one company, by its id
        if db.session.get_bind().dialect.name == "postgresql":
            # The audit trigger lets a closed company's rows go once its grace period is over.
            db.session.execute(text("SELECT set_config('xgm.audit_purge', 'closure', true)"))
        user_ids = select(User.id).where(User.tenant_id == tenant_id).scalar_subquery()
        counts["sign_in_email"] = db.session.execute(
            delete(SignInEmail)
            .where(SignInEmail.kind == "user", SignInEmail.account_id.in_(user_ids))
            .execution_options(synchronize_session=False)
        ).rowcount
        for table in _owned_tables():
            deleted = db.session.execute(
                table.delete().where(table.c.tenant_id == tenant_id)
            ).rowcount
            if deleted:
                counts[table.name] = deleted
        db.session.execute(delete(Tenant).where(Tenant.id == tenant_id))
        record_action(
            "tenant.deleted", None, tenant_id=tenant_id, name="system", rows=sum(counts.values())
        )
        db.session.commit()
    db.session.expunge_all()
    log.info("closure: tenant %s deleted (%s)", tenant_id, counts)
    return counts


def delete_due_companies(now=None) -> dict[int, dict[str, int]]:
    """Job (hourly): delete every closed company whose 30 days are over."""
    from xgm.queues.periodic import schedule_next

    if now is None:
        schedule_next("delete-closed-companies")
    now = now or utcnow()
    due = db.session.scalars(
        select(Tenant.id).where(Tenant.status == "closing", Tenant.delete_after <= now)
    ).all()
    done = {}
    for tenant_id in due:
        counts = delete_company(tenant_id, now)
        if counts is not None:
            done[tenant_id] = counts
    return done
