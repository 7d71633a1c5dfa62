"""Roles: a guard session reaches only its own compound's guard pages; office pages refuse it."""

import pytest

from tests.conftest import login
from tests.factories import (
    PASSWORD,
    create_gate,
    create_user,
    make_site,
    page_csrf,
    pin_sign_in,
    signed_in_phone,
)
from xgm.compounds.models import Gate
from xgm.guards.access import guard_get_or_404, guard_required


@pytest.fixture
def gate_probe(app):
    """A guard page that loads a gate through guard_get_or_404 (registered before any request)."""

    @app.route("/test-guard/gates/<int:gate_id>")
    @guard_required
    def _gate_probe(gate_id):
        return guard_get_or_404(Gate, gate_id).name

    return app


@pytest.mark.parametrize(
    "path", ["/", "/guards", "/devices", "/audit", "/team", "/compounds", "/account/password"]
)
def test_guard_is_refused_office_pages(site, path):
    """A signed-in guard gets 403 from every office page."""
    phone = signed_in_phone(site, site.add_guard())
    assert phone.get(path).status_code == 403


def test_guard_is_refused_office_actions(site):
    """A guard cannot use the office actions on a guard or a phone (403)."""
    guard_id = site.add_guard()
    phone = signed_in_phone(site, guard_id)
    token = page_csrf(phone, "/guard")
    for path in (f"/guards/{guard_id}/reset-pin", f"/guards/{guard_id}/unlock", "/guards/new"):
        assert phone.post(path, data={"csrf_token": token}).status_code == 403


def test_office_user_is_refused_the_guard_console(site):
    """A manager session is not a guard session: /guard answers 403."""
    assert site.office.client.get("/guard").status_code == 403


def test_anonymous_visitor_is_sent_to_enrollment_or_sign_in(site, new_client):
    """No phone: /guard sends to /device/enroll; an enrolled phone: to /guard/signin."""
    assert new_client().get("/guard").headers["Location"] == "/device/enroll"
    assert site.phone().get("/guard").headers["Location"] == "/guard/signin"


def test_guard_reaches_only_its_own_compounds_objects(gate_probe, site, app, new_client):
    """guard_get_or_404: own compound's gate 200; another compound's or company's gate 404."""
    with app.app_context():
        other_gate = create_gate(site.tenant_id, site.other, "西门")
    rival = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    phone = signed_in_phone(site, site.add_guard())
    own = phone.get(f"/test-guard/gates/{site.gate_id}")
    assert (own.status_code, own.get_data(as_text=True)) == (200, "东门")
    assert phone.get(f"/test-guard/gates/{other_gate}").status_code == 404
    assert phone.get(f"/test-guard/gates/{rival.gate_id}").status_code == 404


def test_guard_sign_in_on_a_managers_browser_ends_the_managers_session(site, app):
    """A manager signed in on the gate phone is signed out (server side) when a guard signs in."""
    with app.app_context():
        from tenants import Tenant
        from xgm.extensions import db

        tenant = db.session.get(Tenant, site.tenant_id)
        create_user(tenant, "manager", email="manager@example.com")
    guard_id = site.add_guard()
    phone = site.phone()
    assert login(phone, "manager@example.com", PASSWORD).status_code == 302
    cookie = phone.get_cookie("session").value
    assert pin_sign_in(phone, guard_id).status_code == 302
    assert phone.get("/guard").status_code == 200
    assert phone.get("/").status_code == 403
    replay = app.test_client()
    replay.set_cookie("session", cookie)
    assert replay.get("/compounds").status_code == 302
