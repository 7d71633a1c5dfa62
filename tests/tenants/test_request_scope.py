"""Each request runs in its own tenant scope, even when CSRF or a rate limit stops it early."""

from tenants.scoping import _state
from tests.conftest import login
from tests.factories import PASSWORD, create_tenant, create_user


def test_csrf_failure_leaves_no_tenant_bound(app, client):
    """A signed-in POST refused for CSRF renders its error page and unbinds the tenant after."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    login(client, "owner@example.com", PASSWORD)
    response = client.post("/logout")
    assert response.status_code == 400
    assert _state.get() == (None, 0)
    assert client.get("/").status_code == 200
    assert _state.get() == (None, 0)
