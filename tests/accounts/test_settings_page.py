"""One settings page, reachable from the navigation, leading to every setting."""

from tenants import Tenant
from tests.conftest import login
from tests.factories import PASSWORD, create_tenant, create_user
from xgm.extensions import db


def test_owner_reaches_every_setting_from_the_nav(app, client):
    """设置 in the top bar; the page links team, robots, rider data, shifts and password."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="o@example.com")
    login(client, "o@example.com", PASSWORD)
    assert 'href="/settings"' in client.get("/").get_data(as_text=True)
    html = client.get("/settings").get_data(as_text=True)
    for href in (
        "/team",
        "/settings/alerts",
        "/privacy",
        "/guards#shift-settings",
        "/account/password",
    ):
        assert f'href="{href}"' in html
    assert "现为 180 天" in html


def test_manager_sees_only_their_settings(app, client):
    """A manager's settings page has no team, robots or retention links."""
    with app.app_context():
        tenant = create_tenant()
        create_user(db.session.get(Tenant, tenant.id), "manager", email="m@example.com")
    login(client, "m@example.com", PASSWORD)
    html = client.get("/settings").get_data(as_text=True)
    assert 'href="/team"' not in html and 'href="/privacy"' not in html
    assert 'href="/account/password"' in html
