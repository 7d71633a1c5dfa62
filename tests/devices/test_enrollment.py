"""Enrolling gate phones: one-time 15-minute codes, the signed device cookie, the QR."""

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from tenants import tenant_context, utcnow
from tests.factories import CODE_RE, enroll_phone, make_site, new_code, page_csrf
from xgm.devices.enrollment import CODE_ALPHABET
from xgm.devices.models import Device, EnrollmentCode
from xgm.extensions import db


def _devices(site) -> list[Device]:
    with site.app.app_context(), tenant_context(site.tenant_id):
        rows = db.session.scalars(select(Device).order_by(Device.id)).all()
        db.session.expunge_all()
        return list(rows)


def _code_rows(site) -> int:
    with site.app.app_context(), tenant_context(site.tenant_id):
        return db.session.scalar(select(func.count()).select_from(EnrollmentCode))


def test_code_page_contract(site):
    """POST /compounds/<id>/devices/new: 302 to the code page, an 8-character code and a QR."""
    response = site.office.post(f"/compounds/{site.home}/devices/new")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/compounds/{site.home}/devices/code"
    html = site.office.client.get(response.headers["Location"]).get_data(as_text=True)
    code = CODE_RE.search(html).group(1)
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{8}}", code)
    assert "<svg" in html and 'id="qr-path"' in html
    assert f"http://xgm.test/device/enroll?code={code}" not in html  # the URL is in the QR only
    assert "http://xgm.test/device/enroll" in html


def test_code_is_stored_hashed_and_expires_in_15_minutes(site):
    """Only a hash of the code is stored; it expires 15 minutes after creation."""
    code = site.new_code()
    with site.app.app_context(), tenant_context(site.tenant_id):
        row = db.session.scalars(select(EnrollmentCode)).one()
        assert code not in row.code_hash
        assert len(row.code_hash) == 64
        assert row.expires_at - row.created_at == timedelta(minutes=15)
        assert (row.compound_id, row.gate_id, row.used_at) == (site.home, None, None)


def test_enrolling_sets_a_signed_long_lived_httponly_cookie(site, new_client):
    """GET /device/enroll?code=...: 302 to /guard/signin with the device cookie (1 year, HttpOnly, Lax)."""
    code = site.new_code()
    response = new_client().get(f"/device/enroll?code={code}")
    assert response.status_code == 302
    assert response.headers["Location"] == "/guard/signin"
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("xgm_device="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=31536000" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie
    (device,) = _devices(site)
    assert (device.compound_id, device.gate_id, device.revoked_at) == (site.home, None, None)


def test_device_cookie_is_secure_on_https(app, client):
    """With an https public URL the device cookie is Secure too."""
    app.config["SESSION_COOKIE_SECURE"] = True
    site = make_site(app, client)
    response = app.test_client().get(f"/device/enroll?code={site.new_code()}")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("xgm_device="))
    assert "Secure" in cookie


def test_enrolling_by_typing_the_code(site, new_client):
    """POST /device/enroll with the typed code (any case, with a dash) enrolls the phone."""
    code = site.new_code()
    phone = new_client()
    token = page_csrf(phone, "/device/enroll")
    typed = f"{code[:4].lower()}-{code[4:]}"
    response = phone.post("/device/enroll", data={"code": typed, "csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/guard/signin"
    assert phone.get("/guard/signin").status_code == 200
    assert len(_devices(site)) == 1


def test_expired_code_is_refused(site, new_client):
    """A code older than 15 minutes: 400 with the Chinese reason and the form; no phone."""
    code = site.new_code()
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(
            update(EnrollmentCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    phone = new_client()
    response = phone.get(f"/device/enroll?code={code}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "该登记码已过期" in html
    assert 'name="code"' in html
    assert phone.get_cookie("xgm_device") is None
    assert _devices(site) == []


def test_reused_code_is_refused(site, new_client):
    """A code enrolls one phone only: the second phone gets 400 and no cookie."""
    code = site.new_code()
    enroll_phone(site.app, code)
    second = new_client()
    token = page_csrf(second, "/device/enroll")
    response = second.post("/device/enroll", data={"code": code, "csrf_token": token})
    assert response.status_code == 400
    assert "该登记码已经用过" in response.get_data(as_text=True)
    assert second.get_cookie("xgm_device") is None
    assert len(_devices(site)) == 1


def test_unknown_and_malformed_codes_are_refused(site, new_client):
    """Unknown or malformed codes: 400 with a reason; nothing is created."""
    phone = new_client()
    unknown = phone.get("/device/enroll?code=ABCDEFGH")
    assert unknown.status_code == 400
    assert "登记码不正确" in unknown.get_data(as_text=True)
    malformed = phone.get("/device/enroll?code=ABC")
    assert malformed.status_code == 400
    assert "登记码应为 8 位字母和数字" in malformed.get_data(as_text=True)
    token = page_csrf(phone, "/device/enroll")
    empty = phone.post("/device/enroll", data={"code": "", "csrf_token": token})
    assert empty.status_code == 400
    assert "请输入管理员给您的 8 位登记码" in empty.get_data(as_text=True)
    assert _devices(site) == []


def test_enroll_page_is_public(new_client):
    """GET /device/enroll without a code: 200 with the code form, no sign-in needed."""
    response = new_client().get("/device/enroll")
    assert response.status_code == 200
    assert 'name="code"' in response.get_data(as_text=True)


def test_code_for_one_gate(site):
    """A code for a gate enrolls a phone of that gate; the console shows the gate."""
    phone = site.phone(gate_id=site.gate_id)
    (device,) = _devices(site)
    assert device.gate_id == site.gate_id
    assert "甲苑 · 东门" in phone.get("/guard/signin").get_data(as_text=True)


def test_gate_of_another_compound_is_refused(site):
    """A gate that is not the compound's: 400 with the reason, no code created."""
    from tests.factories import create_gate

    with site.app.app_context():
        other_gate = create_gate(site.tenant_id, site.other, "西门")
    response = site.office.post(f"/compounds/{site.home}/devices/new", {"gate_id": other_gate})
    assert response.status_code == 400
    assert "所选门岗不属于该小区" in response.get_data(as_text=True)
    assert _code_rows(site) == 0


def test_another_companys_compound_is_404(site, app, new_client):
    """A manager cannot create codes for another company's compound."""
    rival = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    assert site.office.post(f"/compounds/{rival.home}/devices/new").status_code == 404
    assert _code_rows(rival) == 0


def test_code_creation_needs_the_csrf_token(site):
    """Without the token the code is not created (400)."""
    response = site.office.client.post(f"/compounds/{site.home}/devices/new")
    assert response.status_code == 400
    assert _code_rows(site) == 0


def test_tampered_device_cookie_is_no_phone(site, new_client):
    """A device cookie whose signature does not verify counts as no phone."""
    phone = site.phone()
    value = phone.get_cookie("xgm_device").value
    forged = new_client()
    forged.set_cookie("xgm_device", value[:-2] + ("AA" if value[-2:] != "AA" else "BB"))
    assert forged.get("/guard/signin").headers["Location"] == "/device/enroll"


def test_reenrolling_a_browser_revokes_its_previous_phone(site):
    """A browser that enrolls again leaves no dangling phone: the old record is revoked."""
    phone = site.phone()
    token = page_csrf(phone, "/device/enroll")
    response = phone.post("/device/enroll", data={"code": site.new_code(), "csrf_token": token})
    assert response.status_code == 302
    old, new = _devices(site)
    assert old.revoked_at is not None
    assert new.revoked_at is None
    html = site.office.client.get("/audit?kind=device.revoked").get_data(as_text=True)
    assert "原因：本机已重新登记" in html


def test_enroll_rate_limit_answers_429(site, new_client):
    """Guessing codes is rate limited: the 21st attempt in a minute is a 429."""
    phone = new_client()
    statuses = [phone.get(f"/device/enroll?code=ABCDEF{i:02d}").status_code for i in range(21)]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429


def test_last_seen_is_updated_on_use(site):
    """A phone's last-seen time and address are refreshed when it is used."""
    phone = site.phone()
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(update(Device).values(last_seen_at=utcnow() - timedelta(hours=3)))
        db.session.commit()
    phone.get("/guard/signin")
    (device,) = _devices(site)
    assert utcnow() - device.last_seen_at < timedelta(minutes=1)
    assert device.last_ip == "127.0.0.1"


def test_reloading_the_code_page_makes_no_second_code(site):
    """Post/Redirect/Get: reloading shows the same code; only one code row exists."""
    first = new_code(site.office, site.home)
    page = site.office.client.get(f"/compounds/{site.home}/devices/code")
    assert CODE_RE.search(page.get_data(as_text=True)).group(1) == first
    assert _code_rows(site) == 1


def test_code_page_of_a_used_code_sends_back_to_the_phones(site):
    """Once the code enrolled a phone, its page no longer shows it."""
    code = new_code(site.office, site.home)
    enroll_phone(site.app, code)
    response = site.office.client.get(f"/compounds/{site.home}/devices/code")
    assert (response.status_code, response.headers["Location"]) == (302, "/devices")
