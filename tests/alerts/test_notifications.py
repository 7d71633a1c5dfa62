"""The bell: every active office user gets each event, read and unread, a page listing them."""

import re

from sqlalchemy import select

from tenants import Tenant, tenant_context
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, create_user, sign_in_office
from xgm.alerts import raise_event
from xgm.alerts.models import Notification
from xgm.extensions import db

BADGE = re.compile(r'id="unread-count">(\d+)<')


def unread(client) -> int:
    """The bell's count on the home page (0 when no badge)."""
    match = BADGE.search(client.get("/").get_data(as_text=True))
    return int(match.group(1)) if match else 0


def raise_committed(app, tenant_id, kind="phone_offline", **fields):
    """raise_event and commit."""
    with app.app_context():
        raise_event(
            tenant_id,
            kind,
            ref="阳光花园 · 东门",
            detail="最后在线 12-03 09:30",
            link="/devices",
            **fields,
        )
        db.session.commit()


def test_bell_counts_unread_and_the_page_lists_them(app, client):
    """Two events: the bell says 2, the page lists both with their words."""
    company = sign_in_office(app, client, "owner@example.com", None)
    assert unread(client) == 0
    raise_committed(app, company.tenant_id)
    raise_committed(app, company.tenant_id, "agent_offline")
    assert unread(client) == 2
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count("未读") >= 2
    assert "门岗手机离线" in page and "开闸器离线" in page and "阳光花园 · 东门" in page


def test_opening_a_notification_marks_it_read_and_follows_its_link(app, client):
    """POST .../read: read, redirected to the event's page; read-all clears the rest."""
    company = sign_in_office(app, client, "owner@example.com", None)
    raise_committed(app, company.tenant_id)
    raise_committed(app, company.tenant_id)
    with app.app_context(), tenant_context(company.tenant_id):
        first, _second = db.session.scalars(select(Notification.id).order_by(Notification.id))
    token = csrf_token(client, "/notifications")
    response = client.post(f"/notifications/{first}/read", data={"csrf_token": token})
    assert (response.status_code, response.headers["Location"]) == (302, "/devices")
    assert unread(client) == 1
    response = client.post("/notifications/read-all", data={"csrf_token": token})
    assert response.status_code == 302
    assert unread(client) == 0


def test_each_manager_has_their_own_bell(app, client, new_client):
    """A manager reading theirs leaves the owner's unread; deactivated users get none."""
    company = sign_in_office(app, client, "owner@example.com", None)
    with app.app_context():
        tenant = db.session.get(Tenant, company.tenant_id)
        create_user(tenant, "manager", email="m@example.com")
        create_user(tenant, "manager", email="gone@example.com", active=False)
    manager = new_client()
    assert login(manager, "m@example.com", PASSWORD).status_code == 302
    raise_committed(app, company.tenant_id)
    with app.app_context(), tenant_context(company.tenant_id):
        assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 2
    manager.post("/notifications/read-all", data={"csrf_token": csrf_token(manager, "/")})
    assert (unread(manager), unread(client)) == (0, 1)


def test_someone_elses_notification_is_a_404(app, client, new_client):
    """Another user's (same tenant) or another tenant's notification cannot be opened."""
    company = sign_in_office(app, client, "owner@example.com", None)
    raise_committed(app, company.tenant_id)
    with app.app_context(), tenant_context(company.tenant_id):
        note_id = db.session.scalar(select(Notification.id))
        create_user(db.session.get(Tenant, company.tenant_id), "manager", email="m2@example.com")
    manager = new_client()
    login(manager, "m2@example.com", PASSWORD)
    other = sign_in_office(app, new_client(), "other@example.com", None)
    for browser in (manager, other.client):
        token = csrf_token(browser, "/notifications")
        response = browser.post(f"/notifications/{note_id}/read", data={"csrf_token": token})
        assert response.status_code == 404
    assert unread(client) == 1


def test_rolled_back_events_leave_nothing(app, client):
    """raise_event joins the caller's transaction: a rollback takes the event with it."""
    company = sign_in_office(app, client, "owner@example.com", None)
    with app.app_context():
        raise_event(company.tenant_id, "overstay", ref="x")
        db.session.rollback()
    assert unread(client) == 0
