"""The daily retention job (PIPL): rider personal data goes after the tenant's retention period."""

import logging
from datetime import timedelta

from sqlalchemy import delete, select, text

from tenants import Tenant, tenant_context, utcnow
from xgm.audit import record
from xgm.audit.models import AuditEvent
from xgm.extensions import db
from xgm.privacy.registry import run_purges

log = logging.getLogger(__name__)

#: The floor of the audit log's retention, whatever a tenant's setting says (Cybersecurity Law:
#: network logs kept at least six months); the PostgreSQL trigger holds the same floor.
AUDIT_KEEP_MIN_DAYS = 180


def allow_audit_purge(reason: str) -> None:
    """Tell PostgreSQL's append-only trigger that this transaction is a purge ("retention" or
    "closure"); the trigger still refuses rows too young for it."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('xgm.audit_purge', :r, true)"), {"r": reason})


def purge_audit(tenant_id: int, keep_days: int, now=None) -> int:
    """Delete the tenant's audit events older than its audit retention (never under 180 days)."""
    now = now or utcnow()
    cutoff = now - timedelta(days=max(AUDIT_KEEP_MIN_DAYS, keep_days))
    with tenant_context(tenant_id):
        allow_audit_purge("retention")
        deleted = db.session.execute(
            delete(AuditEvent)
            .where(AuditEvent.created_at < cutoff)
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
    return deleted


def purge_tenant(tenant_id: int, retention_days: int, now=None) -> dict[str, int]:
    """Blank rider names, phones and photo references older than the retention period, and
    delete the evidence photos of complaints older than it (and week-old exports): every purge
    the features registered (xgm.privacy.registry), in one transaction.

    Keeps the rows, so counts and rider codes stay. Idempotent. Returns what it changed.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    with tenant_context(tenant_id):
        counts = run_purges(cutoff, now)
        db.session.commit()
    return counts


def _record_purge(tenant_id: int, counts: dict[str, int]) -> None:
    """One audit row per purge run (counts only), for the compliance pack's figures."""
    with tenant_context(tenant_id):
        record("privacy.purged", detail={k: v for k, v in counts.items() if v} or {"rows": 0})
        db.session.commit()


def purge_rider_data() -> dict[int, dict[str, int]]:
    """Job (daily): apply every tenant's retention period; returns the changes per tenant."""
    tenants = db.session.execute(
        select(Tenant.id, Tenant.retention_days, Tenant.audit_retention_days).order_by(Tenant.id)
    ).all()
    done = {}
    for tenant_id, days, audit_days in tenants:
        done[tenant_id] = purge_tenant(tenant_id, days)
        done[tenant_id]["audit_events"] = purge_audit(tenant_id, audit_days)
        _record_purge(tenant_id, done[tenant_id])
        if any(done[tenant_id].values()):
            log.info("retention: tenant %s: %s", tenant_id, done[tenant_id])
    return done
