"""The rider's side of PIPL: the notice before a first scan, his own entries, deletion requests."""

import re
from datetime import timedelta

from flask import make_response
from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.conftest import CSRF_RE
from tests.dashboard import data
from tests.factories import count_arrivals, make_site
from xgm.audit.models import AuditEvent
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.privacy.models import RiderDeletionRequest
from xgm.riders.cookie import set_rider_cookie

CODE = "XGM330100000001"


def _rider(app, code: str = CODE):
    """A phone signed in as `code` (the rider cookie the city sign-in sets)."""
    client = app.test_client()
    with app.test_request_context():
        response = make_response("")
        set_rider_cookie(response, code)
        value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    client.set_cookie("xgm_rider", value)
    return client


def _token(site) -> str:
    with site.app.app_context(), tenant_context(site.tenant_id):
        return db.session.get(Gate, site.gate_id).token


def _kinds(app, tenant_id) -> list[str]:
    with app.app_context(), tenant_context(tenant_id):
        return list(db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_first_scan_at_a_company_shows_its_notice_first(app, client):
    """The notice names the company, xgm as entrusted processor, what is kept and how long;
    no arrival until the rider accepts; then the phone remembers it."""
    site = make_site(app, client)
    token = _token(site)
    rider = _rider(app)
    page = rider.get(f"/g/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "个人信息处理告知" in html and "受其委托处理" in html
    assert "保存 180 天后自动删除" in html and "进门时间、门岗" in html
    assert f"/rider/notice?tenant={site.tenant_id}" in html
    assert count_arrivals(app, site.tenant_id) == 0
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert rider.post(f"/g/{token}/notice", data={}).status_code == 400  # no CSRF token
    accepted = rider.post(f"/g/{token}/notice", data={"csrf_token": csrf})
    assert accepted.status_code == 303 and accepted.headers["Location"] == f"/g/{token}"
    assert "个人信息处理告知" not in rider.get(f"/g/{token}").get_data(as_text=True)


def test_full_notice_page(app, client):
    """The full notice names the company, its USCC, the city platform as recipient, the rights."""
    site = make_site(app, client)
    html = app.test_client().get(f"/rider/notice?tenant={site.tenant_id}").get_data(as_text=True)
    assert "完整告知" in html and "城市平台是接收方" in html and "15 天内答复" in html
    assert app.test_client().get("/rider/notice?tenant=999999").status_code == 404
    assert app.test_client().get("/rider/notice?tenant=x").status_code == 404


def test_rider_sees_only_his_own_entries_of_30_days(app, client):
    """Own entries of the last 30 days at each company; not older ones, not other riders'."""
    site = make_site(app, client)
    with app.app_context():
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow() - timedelta(days=2))
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow() - timedelta(days=31))
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow(), rider_code="XGM2")
    html = _rider(app).get("/rider/entries").get_data(as_text=True)
    assert html.count('class="entry"') == 1
    assert f'data-tenant="{site.tenant_id}"' in html
    assert app.test_client().get("/rider/entries").status_code == 401


def test_deletion_request_reaches_managers_and_is_answered(app, client):
    """The request is filed with a 15-day deadline, shown to the office, answered "done":
    the rider's entries lose his identity; every step is audited."""
    site = make_site(app, client)
    with app.app_context():
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow() - timedelta(days=1))
    rider = _rider(app)
    csrf = CSRF_RE.search(rider.get("/rider/entries").get_data(as_text=True)).group(1)
    form = {"csrf_token": csrf, "tenant": str(site.tenant_id), "note": "请删除"}
    assert rider.post("/rider/deletion", data=form).status_code == 303
    assert rider.post("/rider/deletion", data=form).status_code == 303  # one open request only
    with app.app_context(), tenant_context(site.tenant_id):
        (request,) = db.session.scalars(select(RiderDeletionRequest)).all()
        assert (request.rider_code, request.status, request.note) == (CODE, "open", "请删除")
        assert request.due_at - request.created_at == timedelta(days=15)
        request_id = request.id
    office = site.office
    assert "1 条骑手删除申请待处理" in office.client.get("/").get_data(as_text=True)
    assert CODE in office.client.get("/privacy/deletions").get_data(as_text=True)
    refused = office.post(f"/privacy/deletions/{request_id}/answer", {"status": "refused"})
    assert refused.status_code == 302  # a refusal without its reason is not taken
    office.post(f"/privacy/deletions/{request_id}/answer", {"status": "done"})
    with app.app_context(), tenant_context(site.tenant_id):
        request = db.session.get(RiderDeletionRequest, request_id)
        assert (request.status, request.answered_by_name) == ("done", "王经理")
        left = db.session.scalars(select(Arrival)).all()
        assert [(a.rider_code, a.rider_name, a.rider_phone, a.photo_url) for a in left] == [
            ("", "", "", "")
        ]
    kinds = _kinds(app, site.tenant_id)
    assert kinds.count("rider.deletion_requested") == 1 and kinds.count("rider.deletion_done") == 1


def test_deletion_refused_with_reason_and_foreign_tenant(app, client):
    """A refusal keeps the entries and tells the rider why; a company he never entered is 404."""
    site = make_site(app, client)
    with app.app_context():
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow() - timedelta(days=1))
        from tests.factories import create_tenant

        stranger = create_tenant("丙物业有限公司").id
    rider = _rider(app)
    csrf = CSRF_RE.search(rider.get("/rider/entries").get_data(as_text=True)).group(1)
    assert (
        rider.post(
            "/rider/deletion", data={"csrf_token": csrf, "tenant": str(stranger)}
        ).status_code
        == 404
    )
    rider.post("/rider/deletion", data={"csrf_token": csrf, "tenant": str(site.tenant_id)})
    with app.app_context(), tenant_context(site.tenant_id):
        request_id = db.session.scalars(select(RiderDeletionRequest.id)).one()
    site.office.post(
        f"/privacy/deletions/{request_id}/answer", {"status": "refused", "answer": "涉及投诉调查"}
    )
    html = rider.get("/rider/entries").get_data(as_text=True)
    assert "已拒绝" in html and "涉及投诉调查" in html and html.count('class="entry"') == 1
    assert "rider.deletion_refused" in _kinds(app, site.tenant_id)
