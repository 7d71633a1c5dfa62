"""Every guard and phone event writes exactly the expected audit rows."""

import json

from sqlalchemy import select

from tenants import tenant_context
from tests.factories import PIN, page_csrf, pin_sign_in, signed_in_phone
from xgm.audit.models import AuditEvent
from xgm.devices.models import Device
from xgm.extensions import db


def _events(site, kind: str | None = None) -> list[AuditEvent]:
    with site.app.app_context(), tenant_context(site.tenant_id):
        query = select(AuditEvent).order_by(AuditEvent.id)
        if kind:
            query = query.where(AuditEvent.kind == kind)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return list(rows)


def _device_id(site) -> int:
    with site.app.app_context(), tenant_context(site.tenant_id):
        return db.session.scalar(select(Device.id).order_by(Device.id.desc()))


def test_guard_creation_is_audited(site):
    """Adding a guard writes one guard.created row by the owner."""
    site.office.post(
        "/guards/new",
        {"name": "张伟", "phone": "13700001234", "compound_id": site.home, "pin": PIN},
    )
    (event,) = _events(site)
    assert (event.kind, event.actor_kind, event.actor_name) == ("guard.created", "user", "王经理")
    assert json.loads(event.detail) == {"compound": "甲苑", "guard": "张伟"}


def test_code_and_enrollment_are_audited(site):
    """A code and its use write device.code_created (by the manager) and device.enrolled (by the phone)."""
    site.phone(gate_id=site.gate_id)
    created, enrolled = _events(site)
    assert (created.kind, created.actor_kind) == ("device.code_created", "user")
    assert json.loads(created.detail) == {"compound": "甲苑", "gate": "东门"}
    assert (enrolled.kind, enrolled.actor_kind) == ("device.enrolled", "device")
    assert enrolled.device_id == _device_id(site)
    assert enrolled.ip == "127.0.0.1"


def test_sign_in_is_audited_with_guard_phone_and_ip(site):
    """A PIN sign-in writes one guard.signed_in row: who, which phone, which address."""
    guard_id = site.add_guard("张伟")
    signed_in_phone(site, guard_id)
    assert site.audit_kinds() == ["device.code_created", "device.enrolled", "guard.signed_in"]
    event = _events(site, "guard.signed_in")[0]
    assert (event.actor_kind, event.actor_id, event.actor_name) == ("guard", guard_id, "张伟")
    assert (event.guard_id, event.device_id, event.ip) == (guard_id, _device_id(site), "127.0.0.1")


def test_failed_pins_and_lockout_are_audited(site):
    """Five wrong PINs write five guard.pin_failed rows and one guard.locked row."""
    guard_id = site.add_guard()
    phone = site.phone()
    token = page_csrf(phone, f"/guard/signin?guard_id={guard_id}")
    for _ in range(5):
        pin_sign_in(phone, guard_id, "860731", token)
    pin_sign_in(phone, guard_id, PIN, token)  # refused while locked: not a new failure
    kinds = site.audit_kinds()[2:]
    assert kinds == ["guard.pin_failed"] * 5 + ["guard.locked"]
    failed = _events(site, "guard.pin_failed")
    assert [json.loads(e.detail)["failures"] for e in failed] == [1, 2, 3, 4, 5]
    assert {(e.actor_kind, e.guard_id) for e in failed} == {("device", guard_id)}


def test_unlock_is_audited(site):
    """A manager's unlock writes one guard.unlocked row by that manager."""
    guard_id = site.add_guard()
    phone = site.phone()
    token = page_csrf(phone, f"/guard/signin?guard_id={guard_id}")
    for _ in range(5):
        pin_sign_in(phone, guard_id, "860731", token)
    site.office.post(f"/guards/{guard_id}/unlock")
    (event,) = _events(site, "guard.unlocked")
    assert (event.actor_kind, event.guard_id) == ("user", guard_id)


def test_unlocking_an_unlocked_guard_writes_nothing(site):
    """Unlock on a guard that is not locked changes nothing and writes no row."""
    guard_id = site.add_guard()
    site.office.post(f"/guards/{guard_id}/unlock")
    assert site.audit_kinds() == []


def test_pin_reset_is_audited(site):
    """A PIN reset writes one guard.pin_reset row that says how many sessions it ended."""
    guard_id = site.add_guard()
    signed_in_phone(site, guard_id)
    site.office.post(f"/guards/{guard_id}/reset-pin", {"pin": "730264"})
    (event,) = _events(site, "guard.pin_reset")
    assert json.loads(event.detail) == {"ended_sessions": 1, "guard": "张伟"}


def test_handover_is_audited(site):
    """交班 writes one guard.handover row by the guard, with the phone."""
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    phone.post("/guard/signout", data={"csrf_token": page_csrf(phone, "/guard"), "confirm": "1"})
    (event,) = _events(site, "guard.handover")
    assert (event.actor_kind, event.guard_id, event.device_id) == (
        "guard",
        guard_id,
        _device_id(site),
    )


def test_shift_end_is_audited(site):
    """The end of a shift writes one guard.shift_ended row when the phone next asks."""
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    site.end_shift_now(guard_id)
    phone.get("/guard")
    phone.get("/guard")
    assert len(_events(site, "guard.shift_ended")) == 1


def test_deactivation_and_activation_are_audited(site):
    """Deactivating then restoring a guard writes guard.deactivated then guard.activated."""
    guard_id = site.add_guard()
    signed_in_phone(site, guard_id)
    site.office.post(f"/guards/{guard_id}/deactivate")
    site.office.post(f"/guards/{guard_id}/deactivate")  # already inactive: nothing new
    site.office.post(f"/guards/{guard_id}/activate")
    assert site.audit_kinds()[3:] == ["guard.deactivated", "guard.activated"]
    assert json.loads(_events(site, "guard.deactivated")[0].detail)["ended_sessions"] == 1


def test_revocation_and_rename_are_audited(site):
    """Renaming and revoking a phone write device.renamed and device.revoked."""
    site.phone()
    device_id = _device_id(site)
    site.office.post(f"/devices/{device_id}/rename", {"name": "东门值班机"})
    site.office.post(f"/devices/{device_id}/revoke")
    assert site.audit_kinds()[2:] == ["device.renamed", "device.revoked"]
    renamed, revoked = _events(site)[2:]
    assert json.loads(renamed.detail) == {
        "device": "甲苑 手机 1",
        "new": "东门值班机",
        "old": "甲苑 手机 1",
    }
    assert (revoked.device_id, revoked.actor_kind) == (device_id, "user")


def test_guard_edit_and_shift_setting_are_audited(site):
    """Editing a guard writes guard.updated (fields changed); the shift length settings.shift_hours."""
    guard_id = site.add_guard("张伟")
    site.office.post(
        f"/guards/{guard_id}",
        {"name": "张伟明", "phone": "13700009999", "employee_no": "", "compound_id": site.home},
    )
    site.office.post("/guards/settings", {"shift_hours": "8"})
    updated, shift = _events(site)
    assert updated.kind == "guard.updated"
    assert json.loads(updated.detail)["fields"] == ["name"]
    assert shift.kind == "settings.shift_hours"
    assert json.loads(shift.detail) == {"new": 8, "old": 12}
