"""Managers see, name and revoke the enrolled phones."""

from sqlalchemy import select

from tenants import tenant_context
from tests.factories import page_csrf, signed_in_phone
from xgm.devices.models import Device
from xgm.extensions import db


def _device(site) -> Device:
    with site.app.app_context(), tenant_context(site.tenant_id):
        device = db.session.scalars(select(Device).order_by(Device.id.desc())).first()
        db.session.expunge(device)
        return device


def test_devices_page_lists_phones_with_place_and_last_seen(site):
    """The list shows each phone's name, compound, gate and status."""
    site.phone(gate_id=site.gate_id)
    html = site.office.client.get("/devices").get_data(as_text=True)
    assert "东门 手机 1" in html
    assert "甲苑 · 东门" in html
    assert "使用中" in html


def test_devices_page_offers_a_code_per_compound(site):
    """Each compound has its own 生成登记码 form, with its gates to choose from."""
    html = site.office.client.get("/devices").get_data(as_text=True)
    assert f'action="/compounds/{site.home}/devices/new"' in html
    assert f'action="/compounds/{site.other}/devices/new"' in html
    assert f'<option value="{site.gate_id}">东门</option>' in html


def test_rename_a_phone(site):
    """A manager names a phone; the sign-in page header shows the place, the list the name."""
    site.phone()
    device = _device(site)
    response = site.office.post(f"/devices/{device.id}/rename", {"name": "东门值班机"})
    assert response.status_code == 302
    assert _device(site).name == "东门值班机"
    assert "东门值班机" in site.office.client.get("/devices").get_data(as_text=True)


def test_rename_needs_a_name(site):
    """An empty name: 400 with the reason; the name is kept."""
    site.phone()
    device = _device(site)
    response = site.office.post(f"/devices/{device.id}/rename", {"name": "  "})
    assert response.status_code == 400
    assert "此项必填" in response.get_data(as_text=True)
    assert _device(site).name == device.name


def test_revoke_a_phone_shuts_it_off(site):
    """After revocation the phone's cookie no longer works and the list marks it 已停用."""
    phone = site.phone()
    device = _device(site)
    response = site.office.post(f"/devices/{device.id}/revoke")
    assert response.status_code == 302
    assert _device(site).revoked_at is not None
    assert phone.get("/guard/signin").headers["Location"] == "/device/enroll"
    html = site.office.client.get("/devices").get_data(as_text=True)
    assert "已停用" in html
    assert f'action="/devices/{device.id}/revoke"' not in html


def test_revoke_needs_post_and_the_token(site):
    """GET is 405 and a POST without the token is 400; the phone keeps working."""
    phone = site.phone()
    device = _device(site)
    assert site.office.client.get(f"/devices/{device.id}/revoke").status_code == 405
    assert site.office.client.post(f"/devices/{device.id}/revoke").status_code == 400
    assert phone.get("/guard/signin").status_code == 200


def test_guard_cannot_revoke_a_phone(site):
    """A guard on shift gets 403 from the revoke action."""
    phone = signed_in_phone(site, site.add_guard())
    device = _device(site)
    token = page_csrf(phone, "/guard")
    assert phone.post(f"/devices/{device.id}/revoke", data={"csrf_token": token}).status_code == 403
    assert _device(site).revoked_at is None
