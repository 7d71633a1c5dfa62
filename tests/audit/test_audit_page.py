"""The audit page: newest first, filterable, paginated, tenant-scoped, append-only."""

import pytest
from sqlalchemy import select

from tenants import tenant_context
from tests.conftest import login
from tests.factories import PASSWORD, create_user, make_site
from xgm.audit.models import AuditEvent, AuditLogIsAppendOnly
from xgm.extensions import db


def _add_events(site, kinds: list[str]) -> None:
    """Write audit rows directly (one per kind, in order, one second apart)."""
    from datetime import timedelta

    from tenants import utcnow

    start = utcnow() - timedelta(hours=1)
    with site.app.app_context(), tenant_context(site.tenant_id):
        for i, kind in enumerate(kinds):
            db.session.add(
                AuditEvent(kind=kind, actor_kind="system", created_at=start + timedelta(seconds=i))
            )
        db.session.commit()


def _row_kinds(html: str) -> list[str]:
    import re

    return re.findall(r'class="audit-row" data-kind="([^"]+)"', html)


def test_audit_page_lists_newest_first(site):
    """Rows come newest first."""
    _add_events(site, ["guard.signed_in", "guard.pin_failed", "guard.handover"])
    html = site.office.client.get("/audit").get_data(as_text=True)
    assert _row_kinds(html) == ["guard.handover", "guard.pin_failed", "guard.signed_in"]


def test_audit_page_filters_by_kind(site):
    """?kind= shows only that kind; an unknown kind shows everything."""
    _add_events(site, ["guard.signed_in", "guard.pin_failed", "guard.pin_failed"])
    html = site.office.client.get("/audit?kind=guard.pin_failed").get_data(as_text=True)
    assert _row_kinds(html) == ["guard.pin_failed", "guard.pin_failed"]
    everything = site.office.client.get("/audit?kind=nope").get_data(as_text=True)
    assert len(_row_kinds(everything)) == 3


def test_audit_page_is_paginated(site):
    """120 events: 50 per page, the third page has 20; links to the next page keep the filter."""
    _add_events(site, ["guard.pin_failed"] * 120)
    first = site.office.client.get("/audit?kind=guard.pin_failed").get_data(as_text=True)
    assert len(_row_kinds(first)) == 50
    assert 'href="/audit?kind=guard.pin_failed&amp;page=2"' in first
    third = site.office.client.get("/audit?page=3").get_data(as_text=True)
    assert len(_row_kinds(third)) == 20
    assert site.office.client.get("/audit?page=9").status_code == 200


def test_audit_log_is_tenant_scoped(site, app, new_client):
    """Another company's owner sees none of this company's events."""
    _add_events(site, ["guard.signed_in"] * 3)
    rival = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    assert _row_kinds(rival.office.client.get("/audit").get_data(as_text=True)) == []


def test_managers_read_the_audit_log(site, app, new_client):
    """Managers (not only the owner) open /audit."""
    from tenants import Tenant

    with app.app_context():
        create_user(db.session.get(Tenant, site.tenant_id), "manager", email="m@example.com")
    manager = new_client()
    login(manager, "m@example.com", PASSWORD)
    assert manager.get("/audit").status_code == 200


def test_audit_page_needs_sign_in(client):
    """Anonymous visitors are sent to the login page."""
    response = client.get("/audit")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_ui_has_no_way_to_change_the_log(app):
    """Every audit URL is GET-only: no edit or delete routes."""
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert sorted(r.rule for r in rules) == ["/audit", "/audit.csv"]
    assert all(r.methods - {"GET", "HEAD", "OPTIONS"} == set() for r in rules)


def test_orm_refuses_to_update_or_delete_events(site):
    """The model itself refuses updates and deletes through the ORM."""
    _add_events(site, ["guard.signed_in"])
    with site.app.app_context(), tenant_context(site.tenant_id):
        event = db.session.scalars(select(AuditEvent)).one()
        event.kind = "guard.handover"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()
        event = db.session.scalars(select(AuditEvent)).one()
        db.session.delete(event)
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.commit()
        db.session.rollback()


def test_record_refuses_unknown_kinds(app):
    """A typo in an event kind fails loudly instead of writing an unfilterable row."""
    from xgm.audit import record

    with app.app_context(), pytest.raises(ValueError, match="unknown audit event kind"):
        record("guard.signd_in")


def test_audit_page_shows_who_and_what(site):
    """A row reads as facts: the compound of a code, no empty labels."""
    site.new_code()
    html = site.office.client.get("/audit").get_data(as_text=True)
    assert "小区：甲苑" in html
    assert "门岗：<" not in html and "门岗：" not in html
