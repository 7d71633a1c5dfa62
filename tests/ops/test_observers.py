"""Observer accounts: created by operators (contract fields), bound to a division, signing in at
/login, deactivated."""

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login
from tests.factories import (
    PASSWORD,
    create_observer,
    create_tenant,
    create_user,
    signed_in_operator,
)
from xgm.extensions import db
from xgm.ops.models import OperatorAction
from xgm.oversight.models import Observer, ObserverSession

FORM = {
    "name": "北山街道办事处",
    "email": "beishan@gov.example",
    "password": "street-pass-2024",
    "division_code": "330106002000",
    "role": "observer",
}


def _new(client, **overrides):
    token = csrf_token(client, "/ops/observers")
    return client.post("/ops/observers/new", data={**FORM, **overrides, "csrf_token": token})


def test_operator_creates_an_observer_with_the_contract_fields(app, client):
    """POST /ops/observers/new with name, email, password, division_code, role: one active
    observer bound to the division, its level and name taken from the data."""
    operator_id = signed_in_operator(app, client)
    response = _new(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/ops/observers"
    with app.app_context():
        rows = db.session.scalars(select(Observer)).all()
        assert [
            (o.name, o.email, o.division_code, o.level, o.area, o.role, o.active) for o in rows
        ] == [
            (
                "北山街道办事处",
                "beishan@gov.example",
                "330106002000",
                "street",
                "杭州市西湖区北山街道",
                "observer",
                True,
            )
        ]
        assert rows[0].created_by_operator_id == operator_id
        assert rows[0].password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("code", "role", "level", "area"),
    [
        ("330100", "regulator", "city", "杭州市"),
        ("330122", "regulator", "county", "杭州市桐庐县"),
        ("330122", "observer", "county", "杭州市桐庐县"),
        ("330122004018", "observer", "community", "杭州市桐庐县城南街道江滨社区"),
    ],
)
def test_every_level_from_city_to_community_and_both_roles(app, client, code, role, level, area):
    """City, county, street and community codes are accepted; the role is stored and shown."""
    signed_in_operator(app, client)
    assert _new(client, division_code=code, role=role).status_code == 302
    with app.app_context():
        observer = db.session.scalars(select(Observer)).one()
        assert (observer.division_code, observer.level, observer.area, observer.role) == (
            code,
            level,
            area,
            role,
        )
    html = client.get("/ops/observers").get_data(as_text=True)
    assert area in html and ("监管" if role == "regulator" else "观察员") in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"division_code": ""}, "请从列表中选择辖区"),
        ({"division_code": "339999"}, "请从列表中选择辖区"),
        ({"division_code": "北山街道"}, "请从列表中选择辖区"),
        ({"division_code": "330000"}, "辖区须是市、区县、镇街或社区"),
        ({"role": "mayor"}, "请选择观察员或监管"),
        ({"role": "regulator"}, "监管账号须绑定到市或区县"),
    ],
)
def test_bad_division_or_role_is_refused_with_a_chinese_reason(app, client, overrides, message):
    """Unknown codes, a province, an unknown role, a street regulator: 200 with the form
    error, nothing saved."""
    signed_in_operator(app, client)
    response = _new(client, **overrides)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Observer)).all() == []


def test_a_missing_role_is_an_observer(app, client):
    """Without `role` the account is an ordinary observer."""
    signed_in_operator(app, client)
    token = csrf_token(client, "/ops/observers")
    data = {k: v for k, v in FORM.items() if k != "role"}
    assert client.post("/ops/observers/new", data={**data, "csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Observer.role)).all() == ["observer"]


def test_unbound_observers_are_listed_and_bound_by_the_operator(app, client):
    """An old account whose area did not resolve is listed for the operator, who binds it
    with the same selects (POST /ops/observers/<oid>/area); the change is logged."""
    with app.app_context():
        oid = create_observer(unbound=("street", "城南街道"), email="old@gov.example").id
        create_observer(email="fine@gov.example")
    signed_in_operator(app, client)
    html = client.get("/ops/observers").get_data(as_text=True)
    assert "以下 1 个观察员的辖区是以前手填的名称" in html
    assert f'href="/ops/observers/{oid}/area"' in html
    page = client.get(f"/ops/observers/{oid}/area")
    assert page.status_code == 200
    assert "未绑定行政区划，看不到任何小区" in page.get_data(as_text=True)
    token = csrf_token(client, f"/ops/observers/{oid}/area")
    response = client.post(
        f"/ops/observers/{oid}/area",
        data={"division_code": "330122004000", "role": "observer", "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        observer = db.session.get(Observer, oid)
        assert (observer.division_code, observer.level, observer.area) == (
            "330122004000",
            "street",
            "杭州市桐庐县城南街道",
        )
        action = db.session.scalars(
            select(OperatorAction).where(OperatorAction.action == "observer.bound")
        ).one()
        assert action.target == "北山街道办"
        assert '"previous": "城南街道（未绑定）"' in action.detail
    assert "以前手填的名称" not in client.get("/ops/observers").get_data(as_text=True)


def test_binding_refuses_a_bad_division_and_unknown_observers(app, client):
    """A province code is a form error (nothing changes); an unknown observer id is 404."""
    with app.app_context():
        oid = create_observer(email="ob@gov.example").id
    signed_in_operator(app, client)
    token = csrf_token(client, f"/ops/observers/{oid}/area")
    response = client.post(
        f"/ops/observers/{oid}/area",
        data={"division_code": "330000", "role": "observer", "csrf_token": token},
    )
    assert response.status_code == 200
    assert "辖区须是市、区县、镇街或社区" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Observer, oid).division_code == "330106002000"
    assert client.get("/ops/observers/9999/area").status_code == 404


def test_email_of_an_office_user_is_refused(app, client):
    """Observers and office users share /login, so an office email cannot be reused."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="beishan@gov.example")
    signed_in_operator(app, client)
    response = _new(client)
    assert response.status_code == 200
    assert "该邮箱已被其他账号使用（物业公司账号或社区、街道观察员账号）" in response.get_data(
        as_text=True
    )


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
