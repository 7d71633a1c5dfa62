"""The audit log is append-only in the database itself on PostgreSQL; the purge keeps >= 180 days."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tenants import tenant_context, unscoped, utcnow
from tests.conftest import TEST_DB
from xgm.audit.models import AuditEvent
from xgm.extensions import db
from xgm.privacy.jobs import allow_audit_purge, purge_audit


def _events(site, ages_days: list[int]) -> None:
    with site.app.app_context(), tenant_context(site.tenant_id):
        for age in ages_days:
            db.session.add(
                AuditEvent(kind="guard.signed_in", created_at=utcnow() - timedelta(days=age))
            )
        db.session.commit()


def _count(site) -> int:
    with site.app.app_context(), tenant_context(site.tenant_id):
        return db.session.scalar(select(func.count(AuditEvent.id)))


@pytest.mark.skipif(TEST_DB != "postgresql", reason="the trigger is PostgreSQL's")
def test_trigger_refuses_update_and_delete(site):
    """Plain SQL (no ORM) cannot change or delete an audit row, not even an old one outside a
    purge, nor a young one inside a purge."""
    _events(site, [1, 400])
    # Plain SQL that reaches the database (unscoped): the trigger is the wall under test.
    with site.app.app_context(), unscoped():
        for sql in (
            "UPDATE audit_event SET kind = 'x'",
            "DELETE FROM audit_event",
            "DELETE FROM audit_event WHERE created_at < now() - interval '300 days'",
        ):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(sql))
            db.session.rollback()
        allow_audit_purge("retention")
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text("DELETE FROM audit_event"))  # the 1-day-old row refuses
        db.session.rollback()
    assert _count(site) == 2


def test_purge_keeps_at_least_180_days(site):
    """The retention purge deletes rows older than the setting, never younger than 180 days."""
    _events(site, [10, 179, 181, 500])
    with site.app.app_context():
        assert purge_audit(site.tenant_id, 90) == 2  # a setting under 180 counts as 180
    assert _count(site) == 2
    with site.app.app_context():
        assert purge_audit(site.tenant_id, 365) == 0


def test_retention_setting_cannot_go_below_180(site):
    """The owner's form refuses 179 days with a clear message."""
    response = site.office.post(
        "/privacy", {"retention_days": "180", "audit_retention_days": "179"}
    )
    assert response.status_code == 200
    assert "审计日志至少保留 180 天" in response.get_data(as_text=True)
    site.office.post("/privacy", {"retention_days": "180", "audit_retention_days": "200"})
    with site.app.app_context():
        from tenants import Tenant

        assert db.session.get(Tenant, site.tenant_id).audit_retention_days == 200
