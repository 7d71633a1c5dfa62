"""Every way a guard session ends takes effect on the phone's next request."""

import re

from sqlalchemy import update

from tenants import tenant_context
from tests.factories import page_csrf, pin_sign_in, signed_in_phone
from xgm.extensions import db


def _assert_signed_out(phone, to: str = "/guard/signin") -> str:
    """The console sends the phone away; returns the page it lands on."""
    response = phone.get("/guard")
    assert response.status_code == 302
    assert response.headers["Location"] == to
    return phone.get(to).get_data(as_text=True)


def test_handover_ends_the_session(site):
    """交班: POST /guard/signout ends the session (reason handover) and shows the tiles again."""
    guard_id = site.add_guard("张伟")
    phone = signed_in_phone(site, guard_id)
    response = phone.post(
        "/guard/signout", data={"csrf_token": page_csrf(phone, "/guard"), "confirm": "1"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/guard/signin"
    html = _assert_signed_out(phone)
    assert "张伟 已交班" in html
    (guard_session,) = site.sessions(guard_id)
    assert guard_session.end_reason == "handover"
    assert guard_session.ended_at is not None


def test_handover_needs_the_csrf_token(site):
    """A handover POST without the token is a 400 and the guard stays on shift."""
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    assert phone.post("/guard/signout").status_code == 400
    assert phone.get("/guard").status_code == 200


def test_shift_end_ends_the_session(site):
    """When the shift is over, the next request finds the session ended (reason shift_end)."""
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    assert phone.get("/guard").status_code == 200
    site.end_shift_now(guard_id)
    html = _assert_signed_out(phone)
    assert "班次已结束" in html
    (guard_session,) = site.sessions(guard_id)
    assert guard_session.end_reason == "shift_end"


def test_deactivation_ends_the_session_on_every_phone(site):
    """Deactivating a guard signs them out on both phones they are on, at once."""
    guard_id = site.add_guard()
    east = signed_in_phone(site, guard_id)
    west = signed_in_phone(site, guard_id)
    response = site.office.post(f"/guards/{guard_id}/deactivate")
    assert response.status_code == 302
    for phone in (east, west):
        _assert_signed_out(phone)
    assert [s.end_reason for s in site.sessions(guard_id)] == ["deactivated", "deactivated"]
    assert site.guard(guard_id).active is False


def test_pin_reset_ends_the_session_on_every_phone(site):
    """Resetting the PIN signs the guard out everywhere; the old PIN no longer works."""
    guard_id = site.add_guard()
    east = signed_in_phone(site, guard_id)
    west = signed_in_phone(site, guard_id)
    response = site.office.post(f"/guards/{guard_id}/reset-pin", {"pin": "730264"})
    assert response.status_code == 302
    html = _assert_signed_out(east)
    assert "PIN 已被管理员重置" in html
    _assert_signed_out(west)
    assert [s.end_reason for s in site.sessions(guard_id)] == ["pin_reset", "pin_reset"]
    assert pin_sign_in(east, guard_id).status_code == 200
    assert pin_sign_in(east, guard_id, "730264").status_code == 302


def test_phone_revocation_ends_the_session_and_the_phone(site):
    """Revoking the phone ends its guard session and the phone must enroll again."""
    from sqlalchemy import select

    from xgm.guards.models import GuardSession

    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    with site.app.app_context(), tenant_context(site.tenant_id):
        device_id = db.session.scalar(select(GuardSession.device_id))
    response = site.office.post(f"/devices/{device_id}/revoke")
    assert response.status_code == 302
    _assert_signed_out(phone, "/device/enroll")
    assert phone.get("/guard/signin").headers["Location"] == "/device/enroll"
    (guard_session,) = site.sessions(guard_id)
    assert guard_session.end_reason == "device_revoked"


def test_revoking_one_phone_leaves_the_other_signed_in(site):
    """Revocation is per phone: the guard's session on another phone goes on."""
    from sqlalchemy import select

    from xgm.guards.models import GuardSession

    guard_id = site.add_guard()
    east = signed_in_phone(site, guard_id)
    west = signed_in_phone(site, guard_id)
    with site.app.app_context(), tenant_context(site.tenant_id):
        east_device = db.session.scalar(select(func_min(GuardSession.device_id)))
    site.office.post(f"/devices/{east_device}/revoke")
    _assert_signed_out(east, "/device/enroll")
    assert west.get("/guard").status_code == 200


def func_min(column):
    """SQL MIN() of a column."""
    from sqlalchemy import func

    return func.min(column)


def test_moving_the_guard_to_another_compound_ends_the_session(site):
    """A guard moved to another compound is signed out of the old compound's phone."""
    guard_id = site.add_guard("张伟")
    phone = signed_in_phone(site, guard_id)
    response = site.office.post(
        f"/guards/{guard_id}",
        {"name": "张伟", "phone": "13700009999", "employee_no": "", "compound_id": site.other},
    )
    assert response.status_code == 302
    _assert_signed_out(phone)
    (guard_session,) = site.sessions(guard_id)
    assert guard_session.end_reason == "moved"


def test_next_guard_signing_in_replaces_a_lost_session(site):
    """A phone whose browser lost its session: the next guard's sign-in ends the old session."""
    first = site.add_guard("张伟")
    second = site.add_guard("王芳")
    phone = signed_in_phone(site, first)
    phone.delete_cookie("session")  # the browser was wiped; the device cookie survives
    assert pin_sign_in(phone, second).status_code == 302
    (old,) = site.sessions(first)
    assert old.end_reason == "replaced"
    assert site.sessions(second)[0].ended_at is None


def test_session_cookie_is_useless_without_its_phone(site, new_client):
    """The guard's session cookie copied to another browser (no device cookie) is refused."""
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    thief = new_client()
    thief.set_cookie("session", phone.get_cookie("session").value)
    assert thief.get("/guard").headers["Location"] == "/device/enroll"
    assert phone.get("/guard").status_code == 200


def test_tenant_suspension_stops_the_session(site):
    """A suspended company's guards are off shift on the next request."""
    from tenants import Tenant

    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    with site.app.app_context():
        db.session.execute(
            update(Tenant).where(Tenant.id == site.tenant_id).values(status="suspended")
        )
        db.session.commit()
    assert phone.get("/guard").status_code == 302


def test_reactivated_guard_can_sign_in_again(site):
    """Deactivation keeps the guard's row; reactivation lets them sign in again."""
    guard_id = site.add_guard()
    site.office.post(f"/guards/{guard_id}/deactivate")
    site.office.post(f"/guards/{guard_id}/activate")
    assert site.guard(guard_id).active is True
    signed_in_phone(site, guard_id)


def test_handover_asks_first_with_the_shift_summary(site):
    """交班 without confirming shows the shift's admitted, denied and complaint counts (this
    guard's, since the shift began) and a confirm button; the guard stays on shift."""
    from datetime import timedelta

    from tenants import utcnow
    from xgm.complaints.models import Complaint
    from xgm.guards.models import GuardSession
    from xgm.passes.models import Arrival

    guard_id = site.add_guard("张伟")
    other_id = site.add_guard("李强")
    phone = signed_in_phone(site, guard_id)
    (shift,) = site.sessions(guard_id)
    with site.app.app_context(), tenant_context(site.tenant_id):
        started = db.session.get(GuardSession, shift.id).started_at
        before = started - timedelta(hours=1)
        now = utcnow()
        for outcome, by, at in [
            ("admitted", guard_id, now),
            ("admitted", guard_id, now),
            ("denied", guard_id, now),
            ("admitted", guard_id, before),  # an earlier shift
            ("admitted", other_id, now),  # another guard
        ]:
            db.session.add(
                Arrival(
                    compound_id=site.home,
                    gate_id=site.gate_id,
                    outcome=outcome,
                    decided_by_guard_id=by,
                    decided_at=at,
                )
            )
        db.session.add(
            Complaint(
                reference="XGM-T-1",
                idempotency_key="k-1",
                compound_id=site.home,
                rider_code="R1",
                category="other",
                description="x",
                occurred_at=now,
                reporter_kind="guard",
                reporter_id=guard_id,
                reporter_name="张伟",
                status="queued",
                payload="{}",
                created_at=now,
            )
        )
        db.session.commit()
    response = phone.post("/guard/signout", data={"csrf_token": page_csrf(phone, "/guard")})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "确认交班？" in html
    shown = dict(re.findall(r'class="shift-(\w+)"><span>[^<]*</span><strong>(\d+)</strong>', html))
    assert shown == {"admitted": "2", "denied": "1", "complaints": "1"}
    assert '<input type="hidden" name="confirm" value="1">' in html
    assert phone.get("/guard").status_code == 200
    assert site.sessions(guard_id)[0].ended_at is None
