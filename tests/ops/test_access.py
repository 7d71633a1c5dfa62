"""Operator-only routes refuse tenant users, observers and anonymous visitors."""

import pytest

from tests.conftest import login
from tests.factories import (
    PASSWORD,
    create_observer,
    create_tenant,
    create_user,
    signed_in_operator,
)

PUBLIC = {"/ops/login"}


def _ops_rules(app):
    """Every /ops URL (with placeholder ids) and its methods, except the sign-in page."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/ops") or rule.rule in PUBLIC:
            continue
        values = {arg: ("1" if arg not in ("queue",) else "default") for arg in rule.arguments}
        path = rule.rule
        for arg, value in values.items():
            path = path.replace(f"<int:{arg}>", value).replace(f"<{arg}>", value)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, path))
    return found


def _call(client, method, path):
    return client.open(path, method=method, data={})


def test_the_console_has_the_expected_routes(app):
    """The walk below covers the console's pages and actions."""
    paths = {path for _, path in _ops_rules(app)}
    assert {"/ops", "/ops/observers", "/ops/observers/new", "/ops/health"} <= paths
    assert len(_ops_rules(app)) >= 11


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_tenant_users_get_403_on_every_ops_route(app, who):
    """A signed-in owner or manager gets exactly 403 everywhere under /ops."""
    with app.app_context():
        create_user(create_tenant(), who, email="office@example.com")
    client = app.test_client()
    assert login(client, "office@example.com", PASSWORD).status_code == 302
    client.application.config["WTF_CSRF_ENABLED"] = False
    statuses = {(m, p): _call(client, m, p).status_code for m, p in _ops_rules(app)}
    assert set(statuses.values()) == {403}, statuses


def test_observers_get_403_on_every_ops_route(app):
    """A signed-in observer gets exactly 403 everywhere under /ops."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    client = app.test_client()
    assert login(client, "ob@gov.example", PASSWORD).status_code == 302
    client.application.config["WTF_CSRF_ENABLED"] = False
    statuses = {(m, p): _call(client, m, p).status_code for m, p in _ops_rules(app)}
    assert set(statuses.values()) == {403}, statuses


def test_anonymous_get_is_sent_to_ops_login(app, client):
    """Anonymous GETs of console pages redirect to /ops/login."""
    for method, path in _ops_rules(app):
        if method == "GET":
            response = client.get(path)
            assert response.status_code == 302
            assert response.headers["Location"].startswith("/ops/login")


def test_operator_reaches_every_console_page(app, client):
    """The control: a signed-in operator opens the console's pages (200)."""
    signed_in_operator(app, client)
    for path in ("/ops", "/ops/observers", "/ops/health"):
        assert client.get(path).status_code == 200
