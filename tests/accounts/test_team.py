"""The owner's team page: add, list and deactivate managers."""

from sqlalchemy import func, select

from tenants import tenant_context
from tests.conftest import csrf_token, login
from tests.factories import PASSWORD, create_tenant, create_user
from xgm.accounts.models import User
from xgm.extensions import db

NEW = {
    "name": "赵敏",
    "email": "zhao.min@example.com",
    "phone": "13700001111",
    "password": "manager-password-1",
    "password_confirm": "manager-password-1",
}


def _owner(app, client):
    with app.app_context():
        tenant = create_tenant()
        create_user(tenant, "owner", email="owner@example.com")
        create_user(tenant, "manager", email="manager@example.com")
        tenant_id = tenant.id
    login(client, "owner@example.com", PASSWORD)
    return tenant_id


def test_owner_adds_a_manager_who_can_sign_in(app, client):
    """A manager added on /team can sign in with the password the owner set."""
    tid = _owner(app, client)
    response = client.post("/team", data={**NEW, "csrf_token": csrf_token(client, "/team")})
    assert response.status_code == 302
    page = client.get("/team").get_data(as_text=True)
    assert "赵敏" in page and "zhao.min@example.com" in page
    with app.app_context(), tenant_context(tid):
        assert db.session.scalar(select(func.count()).select_from(User)) == 3
    assert login(app.test_client(), "zhao.min@example.com", NEW["password"]).status_code == 302


def test_team_form_errors_create_nothing(app, client):
    """A weak password or a taken email answers 200 with the error and adds nobody."""
    tid = _owner(app, client)
    for changes, message in (
        ({"password": "123456789012", "password_confirm": "123456789012"}, "不能全是数字"),
        (
            {"email": "manager@example.com"},
            "该邮箱已被其他账号使用（物业公司账号或社区、街道观察员账号）",
        ),
    ):
        response = client.post(
            "/team", data={**NEW, **changes, "csrf_token": csrf_token(client, "/team")}
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    with app.app_context(), tenant_context(tid):
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_manager_cannot_open_team_page(app, client):
    """Only the owner manages the team: a manager gets 403."""
    _owner(app, client)
    manager = app.test_client()
    login(manager, "manager@example.com", PASSWORD)
    assert manager.get("/team").status_code == 403


def test_owner_cannot_be_deactivated(app, client):
    """The owner account stays active."""
    tid = _owner(app, client)
    with app.app_context(), tenant_context(tid):
        owner_id = db.session.scalar(select(User.id).where(User.role == "owner"))
    response = client.post(
        f"/team/{owner_id}/deactivate", data={"csrf_token": csrf_token(client, "/team")}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
