"""Operator sign-in at /ops/login: separate from tenants, rate limited, revocable."""

from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.factories import (
    PASSWORD,
    create_operator,
    create_tenant,
    create_user,
    ops_login,
    signed_in_operator,
)
from xgm.extensions import db
from xgm.ops.models import OperatorSession


def test_operator_signs_in_and_lands_on_the_tenant_list(app, client):
    """Right email and password: 302 to /ops, which then answers 200."""
    with app.app_context():
        create_operator("root@xgm.example")
    response = ops_login(client, "root@xgm.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/ops"
    assert client.get("/ops").status_code == 200


def test_wrong_password_and_unknown_email_answer_the_same(app, client):
    """Wrong credentials: 200 with one neutral error, and /ops still sends to sign-in."""
    with app.app_context():
        create_operator("root@xgm.example")
    for email, password in (("root@xgm.example", "wrong-password!"), ("x@xgm.example", PASSWORD)):
        response = ops_login(client, email, password)
        assert response.status_code == 200
        assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/ops").headers["Location"].startswith("/ops/login")


def test_deactivated_operator_cannot_sign_in(app, client):
    """An inactive operator gets the neutral error."""
    with app.app_context():
        create_operator("old@xgm.example", active=False)
    response = ops_login(client, "old@xgm.example")
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


def test_office_user_cannot_sign_in_at_ops_login(app, client):
    """A tenant owner's credentials do not open the operator console."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
    response = ops_login(client, "owner@example.com")
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


def test_operator_cannot_sign_in_at_the_tenant_login(app, client):
    """Operators are not tenant accounts: /login refuses their credentials."""
    with app.app_context():
        create_operator("root@xgm.example")
    response = login(client, "root@xgm.example", PASSWORD)
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)


def test_ops_login_rate_limit_per_account_answers_429(app, client):
    """Six wrong passwords for one operator account in a minute: the sixth is a 429."""
    with app.app_context():
        create_operator("root@xgm.example")
    statuses = [
        ops_login(client, "root@xgm.example", "wrong-password!").status_code for _ in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 200, 429]


def test_logout_ends_the_server_side_session(app, client):
    """After /ops/logout a replayed cookie no longer opens the console."""
    signed_in_operator(app, client)
    cookie = client.get_cookie("session").value
    response = client.post("/ops/logout", data={"csrf_token": csrf_token(client, "/ops")})
    assert response.status_code == 302
    assert response.headers["Location"] == "/ops/login"
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/ops").status_code == 302
    with app.app_context():
        rows = db.session.scalars(select(OperatorSession)).all()
        assert [r.revoked_at is not None for r in rows] == [True]


def test_operator_session_is_not_bound_to_any_tenant(app, client):
    """Signed-in operators reach no office page: those need a tenant user (403)."""
    signed_in_operator(app, client)
    assert client.get("/").status_code == 403
    assert client.get("/dashboard").status_code == 403
