"""Observer accounts: created by operators (contract fields), signing in at /login, deactivated."""

from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, create_tenant, create_user
from tests.ops.support import create_observer, signed_in_operator
from xgm.extensions import db
from xgm.oversight.models import Observer, ObserverSession

FORM = {
    "name": "北山街道办事处",
    "email": "beishan@gov.example",
    "password": "street-pass-2024",
    "level": "street",
    "area": "北山街道",
}


def _new(client, **overrides):
    token = csrf_token(client, "/ops/observers")
    return client.post("/ops/observers/new", data={**FORM, **overrides, "csrf_token": token})


def test_operator_creates_an_observer_with_the_contract_fields(app, client):
    """POST /ops/observers/new with name, email, password, level, area: one active observer."""
    operator_id = signed_in_operator(app, client)
    response = _new(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/ops/observers"
    with app.app_context():
        rows = db.session.scalars(select(Observer)).all()
        assert [(o.name, o.email, o.level, o.area, o.active) for o in rows] == [
            ("北山街道办事处", "beishan@gov.example", "street", "北山街道", True)
        ]
        assert rows[0].created_by_operator_id == operator_id
        assert rows[0].password_hash.startswith("$argon2id$")


def test_bad_level_is_refused_with_a_chinese_reason(app, client):
    """A level other than district/street/community: 200 with the form error, nothing saved."""
    signed_in_operator(app, client)
    response = _new(client, level="city")
    assert response.status_code == 200
    assert "请选择区县、镇街或社区" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Observer)).all() == []


def test_email_of_an_office_user_is_refused(app, client):
    """Observers and office users share /login, so an office email cannot be reused."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="beishan@gov.example")
    signed_in_operator(app, client)
    response = _new(client)
    assert response.status_code == 200
    assert "该邮箱已被使用" in response.get_data(as_text=True)


def test_weak_password_is_refused(app, client):
    """The password rule of office accounts applies (10+ characters, not all digits)."""
    signed_in_operator(app, client)
    response = _new(client, password="1234567890")
    assert response.status_code == 200
    assert "密码不能全是数字" in response.get_data(as_text=True)


def test_observer_signs_in_at_login_and_lands_on_oversight(app, client):
    """The shared /login form sends an observer to /oversight."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    response = login(client, "ob@gov.example", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/oversight"
    assert client.get("/oversight").status_code == 200


def test_observer_wrong_password_gets_the_neutral_error(app, client):
    """A wrong observer password answers like any wrong password."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    response = login(client, "ob@gov.example", "wrong-password!")
    assert response.status_code == 200
    assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/oversight").status_code == 302


def test_deactivating_an_observer_ends_their_sessions(app, client):
    """Deactivate: the observer's open session stops working and they cannot sign in again."""
    with app.app_context():
        observer_id = create_observer(email="ob@gov.example").id
    observer = app.test_client()
    assert login(observer, "ob@gov.example", PASSWORD).status_code == 302
    signed_in_operator(app, client)
    token = csrf_token(client, "/ops/observers")
    response = client.post(f"/ops/observers/{observer_id}/deactivate", data={"csrf_token": token})
    assert response.status_code == 302
    assert observer.get("/oversight").status_code == 302
    response = login(app.test_client(), "ob@gov.example", PASSWORD)
    assert "该账号已停用" in response.get_data(as_text=True)
    with app.app_context():
        sessions = db.session.scalars(select(ObserverSession)).all()
        assert [s.revoked_at is not None for s in sessions] == [True]


def test_observer_logout_ends_the_server_side_session(app, client):
    """An observer signs out with the ordinary /logout; the cookie no longer works."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    login(client, "ob@gov.example", PASSWORD)
    cookie = client.get_cookie("session").value
    token = csrf_token(client, "/oversight")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/oversight").status_code == 302
