"""Managers run guard accounts: add with a PIN shown once, edit, (de)activate, reset, shift length."""

import pytest
from sqlalchemy import func, select

from tenants import tenant_context
from tests.conftest import login
from tests.factories import PASSWORD, PIN, create_user, make_site, signed_in_phone
from xgm.accounts.passwords import verify_secret
from xgm.extensions import db
from xgm.guards.models import Guard


def _new_guard(site, **overrides):
    data = {"name": "张伟", "phone": "13700001234", "compound_id": site.home, "pin": PIN}
    data.update(overrides)
    return site.office.post("/guards/new", data)


def _guard_count(site) -> int:
    with site.app.app_context(), tenant_context(site.tenant_id):
        return db.session.scalar(select(func.count()).select_from(Guard))


def test_add_guard_contract(site):
    """POST /guards/new (name, phone, compound_id, pin, csrf_token): 302 to /guards, PIN hashed."""
    response = _new_guard(site)
    assert response.status_code == 302
    assert response.headers["Location"] == "/guards"
    with site.app.app_context(), tenant_context(site.tenant_id):
        guard = db.session.scalars(select(Guard)).one()
        assert (guard.name, guard.phone, guard.compound_id) == ("张伟", "13700001234", site.home)
        assert guard.pin_hash.startswith("$argon2id$")
        assert verify_secret(guard.pin_hash, PIN)
        assert guard.active is True


def test_pin_is_shown_once_then_never_again(site):
    """The list shows the new PIN right after creation, and not on the next visit."""
    _new_guard(site)
    first = site.office.client.get("/guards").get_data(as_text=True)
    assert f'id="pin-value">{PIN}<' in first
    second = site.office.client.get("/guards").get_data(as_text=True)
    assert PIN not in second
    assert 'id="pin-reveal"' not in second


def test_empty_pin_is_generated_and_shown_once(site):
    """Leaving the PIN empty generates a strong 6-digit PIN, shown once."""
    assert _new_guard(site, pin="").status_code == 302
    html = site.office.client.get("/guards").get_data(as_text=True)
    pin = html.split('id="pin-value">')[1].split("<")[0]
    assert len(pin) == 6 and pin.isdigit()
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert verify_secret(db.session.scalars(select(Guard.pin_hash)).one(), pin)


@pytest.mark.parametrize(
    ("pin", "message"),
    [
        ("000000", "PIN 太容易被猜到"),
        ("123456", "PIN 太容易被猜到"),
        ("777777", "PIN 太容易被猜到"),
        ("654321", "PIN 太容易被猜到"),
        ("121212", "PIN 太容易被猜到"),
        ("123123", "PIN 太容易被猜到"),
        ("12345", "PIN 必须是 6 位数字"),
        ("1234567", "PIN 必须是 6 位数字"),
        ("12a456", "PIN 必须是 6 位数字"),
        ("１２３４５６", "PIN 必须是 6 位数字"),
    ],
)
def test_bad_pins_are_refused(site, pin, message):
    """Weak or malformed PINs: 200 with the Chinese reason, no guard created."""
    response = _new_guard(site, pin=pin)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _guard_count(site) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "此项必填"),
        ("phone", "12345", "请输入有效的手机号"),
        ("compound_id", "", "请选择小区"),
        ("compound_id", "abc", "请选择小区"),
        ("compound_id", "99999", "请选择小区"),
    ],
)
def test_invalid_guard_fields_are_refused(site, field, value, message):
    """Missing or invalid fields: 200 with the reason next to the field, nothing created."""
    response = _new_guard(site, **{field: value})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _guard_count(site) == 0


def test_another_companys_compound_is_refused(site, app, new_client):
    """A guard cannot be put in another company's compound."""
    rival = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    response = _new_guard(site, compound_id=rival.home)
    assert response.status_code == 200
    assert "请选择小区" in response.get_data(as_text=True)
    assert _guard_count(site) == 0


def test_managers_can_manage_guards(site, app, new_client):
    """A manager (not only the owner) adds guards."""
    with app.app_context():
        from tenants import Tenant

        create_user(db.session.get(Tenant, site.tenant_id), "manager", email="m@example.com")
    manager = new_client()
    assert login(manager, "m@example.com", PASSWORD).status_code == 302
    from tests.conftest import csrf_token

    token = csrf_token(manager, "/guards")
    response = manager.post(
        "/guards/new",
        data={
            "name": "王芳",
            "phone": "13700001234",
            "compound_id": site.home,
            "pin": PIN,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert _guard_count(site) == 1


def test_edit_guard_details(site):
    """A manager edits the name, phone and employee number."""
    guard_id = site.add_guard("张伟")
    response = site.office.post(
        f"/guards/{guard_id}",
        {"name": "张伟明", "phone": "13700005678", "employee_no": "A-07", "compound_id": site.home},
    )
    assert response.status_code == 302
    guard = site.guard(guard_id)
    assert (guard.name, guard.phone, guard.employee_no) == ("张伟明", "13700005678", "A-07")


def test_guard_page_never_shows_the_pin(site):
    """The guard's page shows neither the PIN nor its hash."""
    guard_id = site.add_guard()
    html = site.office.client.get(f"/guards/{guard_id}").get_data(as_text=True)
    assert PIN not in html
    assert "argon2" not in html


def test_reset_pin_shows_the_new_pin_once(site):
    """Resetting the PIN shows the new one on the next page, once."""
    guard_id = site.add_guard()
    response = site.office.post(f"/guards/{guard_id}/reset-pin", {"pin": "730264"})
    assert response.headers["Location"] == f"/guards/{guard_id}"
    first = site.office.client.get(f"/guards/{guard_id}").get_data(as_text=True)
    assert 'id="pin-value">730264<' in first
    assert "730264" not in site.office.client.get(f"/guards/{guard_id}").get_data(as_text=True)


def test_reset_pin_refuses_a_weak_pin(site):
    """A weak new PIN is refused with the reason and the old PIN keeps working."""
    guard_id = site.add_guard()
    response = site.office.post(f"/guards/{guard_id}/reset-pin", {"pin": "111111"})
    assert response.status_code == 200
    assert "PIN 太容易被猜到" in response.get_data(as_text=True)
    with site.app.app_context():
        assert verify_secret(site.guard(guard_id).pin_hash, PIN)


def test_guard_actions_need_the_csrf_token(site):
    """Deactivate, activate, unlock without the token: 400, nothing changes."""
    guard_id = site.add_guard()
    for action in ("deactivate", "unlock", "reset-pin"):
        response = site.office.client.post(f"/guards/{guard_id}/{action}")
        assert response.status_code == 400
    assert site.guard(guard_id).active is True


def test_owner_sets_the_shift_length(site):
    """The owner sets shift_hours; the next sign-in's session lasts that long."""
    from datetime import timedelta

    response = site.office.post("/guards/settings", {"shift_hours": "8"})
    assert response.status_code == 302
    guard_id = site.add_guard()
    signed_in_phone(site, guard_id)
    (guard_session,) = site.sessions(guard_id)
    assert guard_session.ends_at - guard_session.started_at == timedelta(hours=8)


@pytest.mark.parametrize("value", ["0", "25", "abc", ""])
def test_shift_length_out_of_range_is_refused(site, value):
    """Shift length must be 1-24 hours; otherwise nothing changes and the reason is shown."""
    from tenants import Tenant

    response = site.office.post("/guards/settings", {"shift_hours": value})
    assert response.status_code == 302
    assert "请输入 1 到 24 之间的整数" in site.office.client.get("/guards").get_data(as_text=True)
    with site.app.app_context():
        assert db.session.get(Tenant, site.tenant_id).shift_hours == 12


def test_only_the_owner_sets_the_shift_length(site, app, new_client):
    """A manager gets 403 on the shift setting."""
    with app.app_context():
        from tenants import Tenant

        create_user(db.session.get(Tenant, site.tenant_id), "manager", email="m@example.com")
    manager = new_client()
    login(manager, "m@example.com", PASSWORD)
    from tests.conftest import csrf_token

    token = csrf_token(manager, "/guards")
    response = manager.post("/guards/settings", data={"shift_hours": "8", "csrf_token": token})
    assert response.status_code == 403


def test_home_checklist_and_nav_list_guards_and_phones(site):
    """The home page offers 添加门卫 and 登记门岗手机; the top bar links 门卫, 手机, 审计."""
    html = site.office.client.get("/").get_data(as_text=True)
    assert '<a href="/guards">添加门卫</a>' in html
    assert '<a href="/devices">登记门岗手机</a>' in html
    for label, path in (("门卫", "/guards"), ("手机", "/devices"), ("审计", "/audit")):
        assert f'<a href="{path}">{label}</a>' in html


def test_guards_are_listed_by_pinyin(site):
    """张伟, 李娜, 王芳 are listed 李, 王, 张 (pinyin), not by code point."""
    for name in ("张伟", "李娜", "王芳"):
        site.add_guard(name)
    html = site.office.client.get("/guards").get_data(as_text=True)
    assert html.index("李娜") < html.index("王芳") < html.index("张伟")


def test_two_guards_with_one_phone_are_flagged(site):
    """A second guard with the same phone: a warning on adding and on the list."""
    site.add_guard("张伟", phone="13700001234")
    response = _new_guard(site, name="李娜", phone="13700001234")
    assert response.status_code == 302
    html = site.office.client.get("/guards").get_data(as_text=True)
    assert "注意：张伟 也登记了手机号 13700001234" in html
    assert "李娜、张伟 登记了同一个手机号 13700001234" in html
