"""Sign-in, sign-out and revocable sessions."""

from sqlalchemy import select

from tenants import tenant_context
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, create_tenant, create_user
from xgm.accounts.models import LoginSession
from xgm.extensions import db


def _setup(app, **user_kwargs):
    with app.app_context():
        tenant = create_tenant()
        owner = create_user(tenant, "owner", email="owner@example.com")
        manager = create_user(tenant, "manager", email="manager@example.com", **user_kwargs)
        return tenant.id, owner.id, manager.id


def test_login_success_redirects_home(app, client):
    """Right email and password: 302 to / and the home page opens."""
    _setup(app)
    response = login(client, "owner@example.com", PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200


def test_login_email_is_case_insensitive(app, client):
    """The email is matched whatever its case."""
    _setup(app)
    assert login(client, " Owner@Example.com ", PASSWORD).status_code == 302


def test_wrong_password_and_unknown_email_answer_the_same(app, client):
    """Wrong credentials: 200 with one neutral error, no session."""
    _setup(app)
    for email, password in (
        ("owner@example.com", "wrong-password!"),
        ("nobody@example.com", PASSWORD),
    ):
        response = login(client, email, password)
        assert response.status_code == 200
        assert "邮箱或密码不正确" in response.get_data(as_text=True)
    assert client.get("/compounds").status_code == 302


def test_visitors_get_a_landing_page(client):
    """Anonymous visitors see what xgm is, with sign-up and sign-in; office pages want sign-in."""
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "小哥码门岗" in html and 'href="/signup"' in html and 'href="/login"' in html
    response = client.get("/compounds")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_logout_ends_the_server_side_session(app, client):
    """After logout the old cookie no longer works, even if replayed."""
    _setup(app)
    login(client, "owner@example.com", PASSWORD)
    cookie = client.get_cookie("session").value
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert client.get("/compounds").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/compounds").status_code == 302


def test_logout_requires_post_with_csrf(app, client):
    """GET /logout is not a sign-out; POST without the token is a 400."""
    _setup(app)
    login(client, "owner@example.com", PASSWORD)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_deactivating_a_manager_ends_sessions_on_every_device(app, client, new_client):
    """The owner deactivates a manager: both of the manager's devices are signed out at once."""
    _tid, _owner, manager_id = _setup(app)
    phone, pc = new_client(), new_client()
    login(phone, "manager@example.com", PASSWORD)
    login(pc, "manager@example.com", PASSWORD)
    assert phone.get("/").status_code == 200
    login(client, "owner@example.com", PASSWORD)
    response = client.post(
        f"/team/{manager_id}/deactivate", data={"csrf_token": csrf_token(client, "/team")}
    )
    assert response.status_code == 302
    assert phone.get("/compounds").status_code == 302
    assert pc.get("/compounds").status_code == 302
    again = login(phone, "manager@example.com", PASSWORD)
    assert again.status_code == 200
    assert "该账号已停用" in again.get_data(as_text=True)


def test_password_change_signs_out_other_devices(app, client, new_client):
    """Changing the password keeps this device and ends the user's other sessions."""
    tid, _owner, _manager = _setup(app)
    other = new_client()
    login(other, "manager@example.com", PASSWORD)
    login(client, "manager@example.com", PASSWORD)
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a-brand-new-password",
            "password_confirm": "a-brand-new-password",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/compounds").status_code == 302
    assert login(new_client(), "manager@example.com", "a-brand-new-password").status_code == 302
    with app.app_context(), tenant_context(tid):
        open_sessions = db.session.scalars(
            select(LoginSession).where(LoginSession.revoked_at.is_(None))
        ).all()
    assert len(open_sessions) == 2


def test_password_change_with_wrong_current_password_changes_nothing(app, client):
    """The current password must be right."""
    _setup(app)
    login(client, "manager@example.com", PASSWORD)
    response = client.post(
        "/account/password",
        data={
            "current_password": "not-the-password",
            "password": "a-brand-new-password",
            "password_confirm": "a-brand-new-password",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 200
    assert "当前密码不正确" in response.get_data(as_text=True)
    assert login(app.test_client(), "manager@example.com", PASSWORD).status_code == 302


def test_suspended_tenant_cannot_sign_in(app, client):
    """Users of a suspended company get a clear message and no session."""
    with app.app_context():
        tenant = create_tenant(status="suspended")
        create_user(tenant, "owner", email="owner@example.com")
    response = login(client, "owner@example.com", PASSWORD)
    assert response.status_code == 200
    assert "已被暂停使用" in response.get_data(as_text=True)
    assert client.get("/compounds").status_code == 302


def test_suspending_a_tenant_ends_open_sessions(app, client):
    """A session opened before the suspension stops working on the next request."""
    tid, _o, _m = _setup(app)
    login(client, "owner@example.com", PASSWORD)
    assert client.get("/").status_code == 200
    with app.app_context():
        from tenants import Tenant

        tenant = db.session.get(Tenant, tid)
        tenant.status = "suspended"
        db.session.commit()
    assert client.get("/compounds").status_code == 302


def test_open_redirect_is_refused(app, client):
    """?next= to another site is ignored after sign-in."""
    _setup(app)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": "owner@example.com", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"
