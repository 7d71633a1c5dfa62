"""Filing by a manager through the real form: validation, the outbox, the duplicate prompt."""

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tenants import tenant_context
from tests.factories import ACTIVE_RIDER, OTHER_RIDER, load, local, make_complaint_site
from xgm.citysim.process import free_port
from xgm.complaints.models import Complaint, ComplaintOutbox
from xgm.complaints.outbox import QUEUE, delivery_job_id
from xgm.extensions import db
from xgm.queues import get_queue


def form(site, **overrides) -> dict:
    """A valid filing of the manager's form, with overrides."""
    data = {
        "rider_code": ACTIVE_RIDER,
        "compound_id": site.compound_id,
        "gate_id": site.gate_id,
        "category": "unsafe_riding",
        "description": "在小区内逆行超速，险些撞到老人",
        "occurred_at": local(),
    }
    data.update(overrides)
    return data


def count(site) -> int:
    """The company's complaints."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        return db.session.scalar(select(func.count(Complaint.id)))


def test_form_offers_the_companys_compounds_and_categories(site):
    """GET /complaints/new lists the live compounds, their gates and the seven categories."""
    page = site.client.get("/complaints/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for text in ("阳光花园", "绿城小区", "阳光花园 · 东门", "绿城小区 · 北门", "超速/逆行", "其他"):
        assert text in html


def test_filing_saves_complaint_outbox_and_enqueues(site):
    """A valid filing: 302 to the complaint, row + outbox row committed, first job on the queue."""
    response = site.post("/complaints/new", form(site, rider_code=" xgm330122000123 "))
    assert response.status_code == 302
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint)).one()
        row = db.session.scalars(select(ComplaintOutbox)).one()
        assert response.headers["Location"] == f"/complaints/{complaint.id}"
        assert complaint.rider_code == ACTIVE_RIDER
        assert complaint.status == "queued"
        assert complaint.reporter_kind == "manager" and complaint.reporter_name == "李经理"
        assert complaint.reference.startswith("XGM-")
        assert len(complaint.idempotency_key) == 36
        assert row.complaint_id == complaint.id and row.delivered_at is None
        assert row.give_up_at - row.due_at == timedelta(hours=24)
        assert get_queue(QUEUE).get_job_ids() == [delivery_job_id(complaint.id, 0)]


def test_filing_succeeds_while_redis_is_down(site, caplog):
    """Redis unreachable at filing time: the complaint is saved and the miss is logged."""
    logging.getLogger("xgm.complaints.outbox").disabled = False  # see test_fault.py
    site.app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = site.post("/complaints/new", form(site))
    assert response.status_code == 302
    assert count(site) == 1
    assert "Redis unreachable" in caplog.text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rider_code": ""}, "请填写骑手编码"),
        ({"rider_code": "王小明"}, "骑手编码应为 4-40 位字母或数字"),
        ({"category": "speeding"}, "请选择投诉类别"),
        ({"description": "   "}, "请写明事情经过"),
        ({"description": "长" * 501}, "最多 500 个字"),
        ({"occurred_at": ""}, "请填写发生时间"),
        ({"occurred_at": "昨天"}, "不是有效的日期与时间值"),
        ({"occurred_at": local(-60)}, "发生时间不能晚于现在"),
        ({"occurred_at": local(31 * 24 * 60)}, "只能投诉 30 天内发生的事"),
        ({"compound_id": ""}, "请选择小区"),
        ({"compound_id": "abc"}, "请选择小区"),
        ({"gate_id": "999999"}, "这个门岗不属于所选小区"),
    ],
)
def test_bad_input_is_refused_with_a_reason(site, overrides, message):
    """Bad input: 200 with the form and a Chinese reason, nothing filed."""
    response = site.post("/complaints/new", form(site, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert count(site) == 0


def test_gate_of_another_compound_is_refused(site):
    """The gate must belong to the chosen compound."""
    response = site.post("/complaints/new", form(site, gate_id=site.other_gate_id))
    assert response.status_code == 200
    assert "这个门岗不属于所选小区" in response.get_data(as_text=True)
    assert count(site) == 0


def test_another_companys_compound_is_refused(site, app, new_client):
    """A compound id of another tenant is not a choice: refused, nothing filed anywhere."""
    rival = make_complaint_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    response = site.post("/complaints/new", form(site, compound_id=rival.compound_id, gate_id=""))
    assert response.status_code == 200
    assert "请选择小区" in response.get_data(as_text=True)
    assert count(site) == 0 and count(rival) == 0


def test_description_of_exactly_500_characters_is_accepted(site):
    """The contract's upper bound is allowed."""
    assert site.post("/complaints/new", form(site, description="长" * 500)).status_code == 302


def test_gate_is_optional(site):
    """Filing without a gate: the body to the city has no gate section."""
    assert site.post("/complaints/new", form(site, gate_id="")).status_code == 302
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint)).one()
        assert complaint.gate_id is None
        assert "gate" not in complaint.payload_dict


def test_same_incident_within_10_minutes_asks_first(site):
    """Same rider, compound and category again: a confirm page, no second complaint yet."""
    assert site.post("/complaints/new", form(site)).status_code == 302
    response = site.post("/complaints/new", form(site, description="又一次"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "是同一件事吗" in html
    with site.app.app_context(), tenant_context(site.tenant_id):
        first = db.session.scalars(select(Complaint)).one()
    assert first.reference in html
    assert 'name="confirm" value="new"' in html
    assert count(site) == 1


def test_confirming_a_different_incident_files_it(site):
    """Answering 'not the same incident' files the second complaint."""
    site.post("/complaints/new", form(site))
    response = site.post("/complaints/new", form(site, description="又一次", confirm="new"))
    assert response.status_code == 302
    assert count(site) == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"rider_code": OTHER_RIDER},
        {"category": "no_helmet"},
        {"compound_id": "other", "gate_id": ""},
    ],
)
def test_a_different_rider_category_or_compound_is_not_a_duplicate(site, overrides):
    """Only the same rider, compound and category within the window asks."""
    if overrides.get("compound_id") == "other":
        overrides["compound_id"] = site.other_compound_id
    site.post("/complaints/new", form(site))
    assert site.post("/complaints/new", form(site, **overrides)).status_code == 302
    assert count(site) == 2


def test_an_older_complaint_is_not_a_duplicate(site):
    """Eleven minutes later the same rider, compound and category is filed without asking."""
    site.post("/complaints/new", form(site))
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint)).one()
        complaint.created_at -= timedelta(minutes=11)
        db.session.commit()
    assert site.post("/complaints/new", form(site)).status_code == 302
    assert count(site) == 2


def test_filing_needs_an_office_user(app, client):
    """Anonymous visitors are sent to sign in; nothing is filed."""
    response = client.get("/complaints/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_filed_complaint_keeps_the_reporters_details(site):
    """The body sent later names the company and the manager who filed."""
    site.post("/complaints/new", form(site))
    with site.app.app_context(), tenant_context(site.tenant_id):
        cid = db.session.scalar(select(Complaint.id))
    complaint, _row, events = load(site, cid)
    reporter = complaint.payload_dict["reporter"]
    assert reporter["name"] == "李经理" and reporter["role"] == "manager"
    assert [e.kind for e in events] == ["filed"]
