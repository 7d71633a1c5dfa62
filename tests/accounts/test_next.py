"""`?next=` after sign-in: only a path on this site, checked after percent-decoding; else /."""

import pytest

from tests.conftest import csrf_token
from tests.factories import PASSWORD, create_observer, create_operator, create_tenant, create_user
from xgm.accounts.redirects import is_local_path, local_next

#: Targets that must never be followed, as the browser would send them in ?next=.
HOSTILE = [
    "//evil.example/x",
    "///evil.example",
    "https://evil.example/",
    "HTTP://evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\n/evil.example",
    "/\x01evil",
    "/\x7fevil",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "%2F%2Fevil.example",
    "/%252F/evil.example",
    "/%25252F%25252Fevil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%00/evil.example",
    "/\u202e/evil.example",
    "/\u200b/x",
    "/\u2028/x",
    "/%E2%80%AE/x",
    "/%ff%fe",
    "/" + "a" * 5000,
    "",
    "%",
    " /dashboard",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_hostile_targets_are_not_local(target):
    """The shared check refuses every one of them (and never raises)."""
    assert is_local_path(target) is False
    assert local_next(target, "/") == "/"


@pytest.mark.parametrize(
    "target",
    ["/", "/dashboard?period=7d", "/compounds/12", "/ops?q=%E7%89%A9%E4%B8%9A+a%20b", "/a%25b"],
)
def test_local_paths_are_kept(target):
    """Paths on this site come back unchanged."""
    assert local_next(target, "/x") == target


def test_local_next_keeps_inside_a_prefix():
    """`under` narrows the accepted paths (the operator console stays under /ops)."""
    assert local_next("/ops/observers", "/ops", under="/ops") == "/ops/observers"
    assert local_next("/ops", "/x", under="/ops") == "/ops"
    assert local_next("/opsx", "/ops", under="/ops") == "/ops"
    assert local_next("/dashboard", "/ops", under="/ops") == "/ops"
    assert local_next("/%6Fps/x", "/x", under="/ops") == "/%6Fps/x"


def _post(client, path: str, email: str, target: str):
    token = csrf_token(client, path)
    return client.post(
        path,
        query_string={"next": target},
        data={"email": email, "password": PASSWORD, "csrf_token": token},
    )


@pytest.mark.parametrize("target", HOSTILE)
def test_office_sign_in_goes_home_for_a_hostile_next(app, new_client, target):
    """POST /login?next=<hostile>: signed in, sent to / (never elsewhere, never a 500)."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    response = _post(new_client(), "/login", "owner@example.com", target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_office_sign_in_follows_a_local_next(app, client):
    """A local next is followed."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    response = _post(client, "/login", "owner@example.com", "/dashboard?period=30d")
    assert response.headers["Location"] == "/dashboard?period=30d"


@pytest.mark.parametrize("target", HOSTILE + ["/dashboard"])
def test_operator_sign_in_goes_to_the_console_for_a_hostile_next(app, new_client, target):
    """POST /ops/login?next=<hostile or outside /ops>: sent to /ops."""
    with app.app_context():
        create_operator("root@xgm.example")
    response = _post(new_client(), "/ops/login", "root@xgm.example", target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/ops"


def test_operator_sign_in_follows_a_next_inside_the_console(app, client):
    """A next under /ops is followed."""
    with app.app_context():
        create_operator("root@xgm.example")
    response = _post(client, "/ops/login", "root@xgm.example", "/ops/observers")
    assert response.headers["Location"] == "/ops/observers"


@pytest.mark.parametrize("target", ["//evil.example", "/\\evil.example", "/dashboard"])
def test_observer_sign_in_stays_in_the_oversight_view(app, new_client, target):
    """An observer signing in at /login lands on /oversight unless next is a page of it."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    assert _post(new_client(), "/login", "ob@gov.example", target).headers["Location"] == (
        "/oversight"
    )
    followed = _post(new_client(), "/login", "ob@gov.example", "/oversight?period=30d")
    assert followed.headers["Location"] == "/oversight?period=30d"
