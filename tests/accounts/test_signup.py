"""Self-service sign-up: a company and its owner, or nothing at all."""

import pytest
from sqlalchemy import func, select

from tenants import Tenant, tenant_context, unscoped
from tests.conftest import csrf_token
from tests.factories import make_uscc
from xgm.accounts.models import User
from xgm.extensions import db

GOOD = {
    "company_name": "桐庐安居物业服务有限公司",
    "uscc": "91330100799655058B",
    "contact_name": "李四",
    "email": "li.si@example.com",
    "phone": "13900002222",
    "password": "an-honest-password",
    "password_confirm": "an-honest-password",
}


def _signup(client, **changes):
    data = {**GOOD, **changes, "csrf_token": csrf_token(client, "/signup")}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post("/signup", data=data)


def _counts(app):
    with app.app_context(), unscoped():
        return (
            db.session.scalar(select(func.count()).select_from(Tenant)),
            db.session.scalar(select(func.count()).select_from(User)),
        )


def test_signup_creates_tenant_and_owner_and_signs_in(app, client):
    """A valid sign-up makes the company and its owner, then lands on the home page signed in."""
    response = _signup(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _counts(app) == (1, 1)
    home = client.get("/")
    assert home.status_code == 200
    assert "桐庐安居物业服务有限公司" in home.get_data(as_text=True)
    with app.app_context(), unscoped():
        tenant = db.session.scalars(select(Tenant)).one()
        with tenant_context(tenant.id):
            owner = db.session.scalars(select(User)).one()
    assert (tenant.uscc, tenant.status, owner.role, owner.email) == (
        "91330100799655058B",
        "active",
        "owner",
        "li.si@example.com",
    )
    assert owner.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("changes", "field_error"),
    [
        ({"uscc": "91330100799655058C"}, "校验位不正确"),
        ({"uscc": "9133010079965505"}, "应为 18 位"),
        ({"uscc": "9133010079965505OB"}, "无效字符"),
        ({"password": "short-pw", "password_confirm": "short-pw"}, "至少 10 个字符"),
        ({"password": "1234567890123", "password_confirm": "1234567890123"}, "不能全是数字"),
        ({"password_confirm": "another-password"}, "两次输入的密码不一致"),
        ({"email": "not-an-email"}, "有效的邮箱地址"),
        ({"phone": "12345"}, "有效的手机号"),
        ({"company_name": ""}, "此项必填"),
        ({"company_name": None}, "此项必填"),
        ({"contact_name": None}, "此项必填"),
        ({"uscc": None}, "此项必填"),
        ({"email": None}, "此项必填"),
        ({"phone": None}, "此项必填"),
        ({"password": None}, "此项必填"),
        ({"company_name": "公" * 101}, "最多 100 个字"),
    ],
)
def test_invalid_signup_shows_error_and_creates_nothing(app, client, changes, field_error):
    """Every validation error answers 200 with the message next to the field, and creates nothing."""
    response = _signup(client, **changes)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert field_error in body
    assert 'class="error"' in body
    assert _counts(app) == (0, 0)


def test_duplicate_uscc_is_refused(app, client, new_client):
    """A second company with the same USCC is refused and nothing more is created."""
    assert _signup(client).status_code == 302
    response = _signup(new_client(), email="other@example.com")
    assert response.status_code == 200
    assert "该统一社会信用代码已注册" in response.get_data(as_text=True)
    assert _counts(app) == (1, 1)


def test_duplicate_email_is_refused(app, client, new_client):
    """An email already used by any tenant is refused and nothing more is created."""
    assert _signup(client).status_code == 302
    response = _signup(new_client(), uscc=make_uscc(), email="LI.SI@example.com")
    assert response.status_code == 200
    assert "该邮箱已被其他账号使用，请直接登录或换一个邮箱" in response.get_data(as_text=True)
    assert _counts(app) == (1, 1)


def test_signup_without_csrf_token_is_refused(app, client):
    """A sign-up POST without the CSRF token is a 400 and creates nothing."""
    response = client.post("/signup", data=GOOD)
    assert response.status_code == 400
    assert "请求无效" in response.get_data(as_text=True)
    assert _counts(app) == (0, 0)


def test_uscc_is_folded_from_full_width_and_spaces(app, client):
    """全角 characters, spaces and dashes in the USCC are folded: the company is created."""
    typed = " ９１３３ ０１００-７９９６５５０５８ｂ "
    assert _signup(client, uscc=typed).status_code == 302
    with app.app_context(), unscoped():
        assert db.session.scalars(select(Tenant.uscc)).one() == "91330100799655058B"


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("91330100799655O58B", "第 15 位的“O”是无效字符"),
        ("9133010079965505", "您填了 16 位"),
        ("91330100799655058C", "多半是有一位抄错了"),
    ],
)
def test_uscc_problems_are_said_in_plain_words(client, uscc, message):
    """Which character, how many digits, or the check digit: said so a manager can fix it."""
    assert message in _signup(client, uscc=uscc).get_data(as_text=True)


def test_signup_shows_every_error_at_once(app, client, new_client):
    """A USCC already registered and a too-short password: both messages in one answer."""
    assert _signup(client).status_code == 302
    response = _signup(
        new_client(), email="LI.SI@example.com", password="short-pw", password_confirm="short-pw"
    )
    body = response.get_data(as_text=True)
    assert "该统一社会信用代码已注册" in body
    assert "该邮箱已被其他账号使用" in body
    assert "至少 10 个字符" in body
    assert _counts(app) == (1, 1)
