"""Guard PIN sign-in: only on an enrolled phone of the guard's compound, with lockout."""

from datetime import timedelta

from sqlalchemy import update

from tenants import tenant_context, utcnow
from tests.factories import PIN, page_csrf, pin_sign_in, signed_in_phone
from xgm.extensions import db
from xgm.guards.models import Guard


def test_pin_on_enrolled_phone_of_own_compound_opens_the_console(site):
    """Right PIN on a phone of the guard's compound: 302 to /guard, the console names the guard."""
    guard_id = site.add_guard("张伟")
    phone = site.phone()
    response = pin_sign_in(phone, guard_id)
    assert response.status_code == 302
    assert response.headers["Location"] == "/guard"
    page = phone.get("/guard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="guard-name">张伟<' in html
    assert "甲苑" in html
    assert 'id="arrivals"' in html
    assert len(site.sessions(guard_id)) == 1


def test_no_phone_means_no_sign_in(site, new_client):
    """Without an enrolled phone the right PIN is refused: sent to enrollment, no session."""
    guard_id = site.add_guard()
    browser = new_client()
    assert browser.get("/guard/signin").headers["Location"] == "/device/enroll"
    token = page_csrf(browser, "/device/enroll")
    response = browser.post(
        "/guard/signin", data={"guard_id": guard_id, "pin": PIN, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/device/enroll"
    assert browser.get("/guard").headers["Location"] == "/device/enroll"
    assert site.sessions(guard_id) == []


def test_phone_of_another_compound_refuses_the_guard(site):
    """A phone of compound 乙苑 neither lists nor signs in a guard of 甲苑 (404, no session)."""
    guard_id = site.add_guard("张伟", compound_id=site.home)
    phone = site.phone(site.other)
    tiles = phone.get("/guard/signin").get_data(as_text=True)
    assert "张伟" not in tiles
    assert phone.get(f"/guard/signin?guard_id={guard_id}").status_code == 404
    response = pin_sign_in(phone, guard_id, csrf=page_csrf(phone, "/device/enroll"))
    assert response.status_code == 404
    assert "该门卫不在本岗或已停用" in response.get_data(as_text=True)
    assert site.sessions(guard_id) == []


def test_guard_of_another_tenant_is_refused(site, app, new_client):
    """A guard id of another company typed on this phone is not found (404)."""
    from tests.factories import make_site

    rival = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    rival_guard = rival.add_guard("李四")
    phone = site.phone()
    response = pin_sign_in(phone, rival_guard, csrf=page_csrf(phone, "/device/enroll"))
    assert response.status_code == 404
    assert rival.sessions(rival_guard) == []


def test_tiles_list_only_active_guards_of_the_phones_compound(site):
    """The sign-in page shows big tiles for the compound's active guards only."""
    site.add_guard("张伟")
    site.add_guard("王芳")
    site.add_guard("赵停", active=False)
    site.add_guard("钱远", compound_id=site.other)
    phone = site.phone()
    html = phone.get("/guard/signin").get_data(as_text=True)
    assert html.count('class="tile"') == 2
    assert "张伟" in html and "王芳" in html
    assert "赵停" not in html and "钱远" not in html


def test_selected_tile_shows_the_pin_pad(site):
    """Tapping a tile shows the PIN pad: ten digit keys and the script from /static (CSP)."""
    guard_id = site.add_guard("张伟")
    phone = site.phone()
    html = phone.get(f"/guard/signin?guard_id={guard_id}").get_data(as_text=True)
    assert html.count('class="key" data-key=') == 10
    assert '<script src="/static/js/pinpad.js"></script>' in html
    assert "<script>" not in html
    assert f'name="guard_id" value="{guard_id}"' in html


def test_wrong_pin_is_refused_with_attempts_left(site):
    """A wrong PIN: 200 with the number of attempts left, no session."""
    guard_id = site.add_guard()
    phone = site.phone()
    response = pin_sign_in(phone, guard_id, "860731")
    assert response.status_code == 200
    assert "PIN 不正确，还可以再试 4 次" in response.get_data(as_text=True)
    assert site.sessions(guard_id) == []
    assert site.guard(guard_id).failed_pins == 1


def test_malformed_pin_is_a_400_with_a_reason(site):
    """An empty PIN is refused with a Chinese reason, not counted as a failure."""
    guard_id = site.add_guard()
    phone = site.phone()
    response = pin_sign_in(phone, guard_id, "")
    assert response.status_code == 400
    assert "请输入 6 位 PIN" in response.get_data(as_text=True)
    assert site.guard(guard_id).failed_pins == 0


def test_five_wrong_pins_lock_the_guard_for_15_minutes(site):
    """The fifth wrong PIN locks the guard: even the right PIN is refused (403) while locked."""
    guard_id = site.add_guard()
    phone = site.phone()
    token = page_csrf(phone, f"/guard/signin?guard_id={guard_id}")
    statuses = [pin_sign_in(phone, guard_id, "860731", token).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 403]
    guard = site.guard(guard_id)
    assert guard.locked_until is not None
    remaining = guard.locked_until - utcnow()
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15)
    response = pin_sign_in(phone, guard_id, PIN, token)
    assert response.status_code == 403
    assert "已被锁定 15 分钟" in response.get_data(as_text=True)
    assert site.sessions(guard_id) == []


def test_lockout_is_per_guard(site):
    """A locked guard does not lock a colleague on the same phone."""
    locked = site.add_guard("张伟")
    colleague = site.add_guard("王芳")
    phone = site.phone()
    token = page_csrf(phone, f"/guard/signin?guard_id={locked}")
    for _ in range(5):
        pin_sign_in(phone, locked, "860731", token)
    assert pin_sign_in(phone, colleague, PIN, token).status_code == 302


def test_manager_unlock_lets_the_guard_in_again(site):
    """After a lockout, the manager's unlock clears it and the right PIN works at once."""
    guard_id = site.add_guard()
    phone = site.phone()
    token = page_csrf(phone, f"/guard/signin?guard_id={guard_id}")
    for _ in range(5):
        pin_sign_in(phone, guard_id, "860731", token)
    response = site.office.post(f"/guards/{guard_id}/unlock")
    assert response.status_code == 302
    guard = site.guard(guard_id)
    assert (guard.locked_until, guard.failed_pins) == (None, 0)
    assert pin_sign_in(phone, guard_id, PIN, token).status_code == 302


def test_lockout_expires_after_15_minutes(site):
    """Once the 15 minutes are over the guard may try again with a fresh set of attempts."""
    guard_id = site.add_guard()
    phone = site.phone()
    token = page_csrf(phone, f"/guard/signin?guard_id={guard_id}")
    for _ in range(5):
        pin_sign_in(phone, guard_id, "860731", token)
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(
            update(Guard)
            .where(Guard.id == guard_id)
            .values(locked_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert pin_sign_in(phone, guard_id, PIN, token).status_code == 302


def test_success_resets_the_failure_count(site):
    """Wrong PINs followed by the right one leave no failures counted."""
    guard_id = site.add_guard()
    phone = site.phone()
    token = page_csrf(phone, f"/guard/signin?guard_id={guard_id}")
    for _ in range(3):
        pin_sign_in(phone, guard_id, "860731", token)
    assert pin_sign_in(phone, guard_id, PIN, token).status_code == 302
    assert site.guard(guard_id).failed_pins == 0


def test_device_rate_limit_answers_429(site):
    """The phone itself is rate limited: the 11th PIN attempt in a minute is a 429."""
    guards = [site.add_guard(f"门卫{i}") for i in range(3)]
    phone = site.phone()
    token = page_csrf(phone, "/device/enroll")
    statuses = [pin_sign_in(phone, guards[i % 3], "860731", token).status_code for i in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_deactivated_guard_cannot_sign_in(site):
    """A deactivated guard's PIN is refused on their own compound's phone."""
    guard_id = site.add_guard(active=False)
    phone = site.phone()
    assert pin_sign_in(phone, guard_id, csrf=page_csrf(phone, "/device/enroll")).status_code == 404
    assert site.sessions(guard_id) == []


def test_suspended_tenant_guards_cannot_sign_in(site):
    """A suspended company's phone shows a clear refusal instead of the tiles."""
    from tenants import Tenant

    site.add_guard()
    phone = site.phone()
    with site.app.app_context():
        db.session.execute(
            update(Tenant).where(Tenant.id == site.tenant_id).values(status="suspended")
        )
        db.session.commit()
    response = phone.get("/guard/signin")
    assert response.status_code == 403
    assert "已被暂停使用" in response.get_data(as_text=True)


def test_signed_in_guard_is_sent_from_signin_to_console(site):
    """A guard already on shift who opens the sign-in page lands on the console."""
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    response = phone.get("/guard/signin")
    assert response.status_code == 302
    assert response.headers["Location"] == "/guard"


def test_session_lasts_the_tenants_shift_length(site):
    """The session's end of shift is its start plus the tenant's shift_hours (default 12)."""
    guard_id = site.add_guard()
    signed_in_phone(site, guard_id)
    (guard_session,) = site.sessions(guard_id)
    assert guard_session.ends_at - guard_session.started_at == timedelta(hours=12)
