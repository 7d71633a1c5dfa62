"""The complaint pages: list with filters, counts and pages; timeline; correct and resend."""

import json
import re
from datetime import timedelta

from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.factories import (
    OTHER_RIDER,
    UNKNOWN_RIDER,
    file_direct,
    load,
    make_site,
    sim_complaints,
    sim_fail,
    update_outbox,
)
from xgm.complaints.jobs import deliver_complaint
from xgm.complaints.models import Complaint
from xgm.extensions import db


def set_status(site, complaint_id: int, status: str, **values) -> None:
    """Put a complaint in a status (test set-up)."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint).where(Complaint.id == complaint_id)).one()
        complaint.status = status
        for key, value in values.items():
            setattr(complaint, key, value)
        db.session.commit()


def run(site, complaint_id: int) -> str:
    """Run the delivery job once."""
    with site.app.app_context():
        return deliver_complaint(site.tenant_id, complaint_id)


def tab_count(html: str, status: str) -> int:
    """The count shown on a status tab of the list."""
    match = re.search(rf'data-status="{status}">[^<]*<span class="count">(\d+)</span>', html)
    assert match, status
    return int(match.group(1))


def refs(html: str) -> list[str]:
    """References listed on a page, in order."""
    return re.findall(r'class="ref" href="/complaints/\d+">([^<]+)<', html)


def test_list_counts_per_status_and_filters(site):
    """Counts per status; status, compound and category filters narrow the list exactly."""
    a = file_direct(site)
    b = file_direct(site, category="no_helmet")
    file_direct(site, category="littering", compound_id=site.other_compound_id)
    set_status(site, a, "received")
    set_status(site, b, "failed")
    html = site.client.get("/complaints").get_data(as_text=True)
    assert (tab_count(html, "queued"), tab_count(html, "received"), tab_count(html, "failed")) == (
        1,
        1,
        1,
    )
    assert len(refs(html)) == 3
    assert len(refs(site.client.get("/complaints?status=failed").get_data(as_text=True))) == 1
    other = site.client.get(f"/complaints?compound_id={site.other_compound_id}")
    assert len(refs(other.get_data(as_text=True))) == 1
    by_category = site.client.get("/complaints?category=no_helmet").get_data(as_text=True)
    assert refs(by_category) == [load(site, b)[0].reference]
    assert tab_count(by_category, "failed") == 1 and tab_count(by_category, "received") == 0


def test_list_filters_by_compound_and_date(site):
    """Compound and date filters (China dates) narrow the list; bad values are ignored."""
    home = file_direct(site)
    old = file_direct(site, category="other")
    set_status(site, old, "queued", created_at=utcnow() - timedelta(days=3))
    today = (utcnow() + timedelta(hours=8)).date().isoformat()
    html = site.client.get(f"/complaints?date_from={today}").get_data(as_text=True)
    assert refs(html) == [load(site, home)[0].reference]
    html = site.client.get(f"/complaints?compound_id={site.other_compound_id}").get_data(
        as_text=True
    )
    assert refs(html) == []
    html = site.client.get("/complaints?compound_id=abc&date_to=xyz&status=nope")
    assert html.status_code == 200
    assert len(refs(html.get_data(as_text=True))) == 2


def test_list_is_paginated(site):
    """31 complaints: 30 on page one, 1 on page two; page numbers out of range are clamped."""
    for _ in range(31):
        file_direct(site)
    first = site.client.get("/complaints").get_data(as_text=True)
    second = site.client.get("/complaints?page=2").get_data(as_text=True)
    assert len(refs(first)) == 30 and len(refs(second)) == 1
    assert "共 31 条" in first
    assert len(refs(site.client.get("/complaints?page=99").get_data(as_text=True))) == 1


def test_list_shows_only_the_companys_complaints(site, app, new_client):
    """Another company's complaints are neither listed nor counted."""
    rival = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    file_direct(rival)
    html = site.client.get("/complaints").get_data(as_text=True)
    assert refs(html) == [] and tab_count(html, "queued") == 0


def test_detail_shows_every_attempt_and_status(site, sim):
    """The timeline lists the filing, the failed attempt, the successful one and the status."""
    cid = file_direct(site)
    sim_fail(sim, "503")
    run(site, cid)
    update_outbox(site, cid, due_at=utcnow())
    run(site, cid)
    response = site.client.get(f"/complaints/{cid}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "已提交，等待发送",
        "第 1 次发送未成功（城市平台暂时无法处理），将于",
        "HTTP 503",
        "第 2 次发送：城市平台已受理",
        "HTTP 201",
        "状态：城市平台已受理",
    ):
        assert text in html
    assert load(site, cid)[0].city_complaint_id in html


def test_refused_complaint_shows_the_city_message_and_can_be_corrected(site, sim):
    """404 unknown rider: the city's message is shown; the corrected rider goes with a new key."""
    cid = file_direct(site, rider_code=UNKNOWN_RIDER)
    assert run(site, cid) == "failed"
    before = load(site, cid)[0]
    html = site.client.get(f"/complaints/{cid}").get_data(as_text=True)
    assert "城市平台拒收了这条投诉" in html and UNKNOWN_RIDER in html
    plain = html[: html.index('<details class="tech">')]
    assert "幂等键" not in plain and "HTTP" not in plain
    response = site.post(
        f"/complaints/{cid}/resend",
        {
            "rider_code": OTHER_RIDER,
            "category": before.category,
            "description": before.description,
            "occurred_at": (before.occurred_at + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    after, row, events = load(site, cid)
    assert after.status == "queued"
    assert after.rider_code == OTHER_RIDER
    assert after.idempotency_key != before.idempotency_key
    assert json.loads(after.payload)["rider_code"] == OTHER_RIDER
    assert row.attempts == 0 and row.due_at is not None
    assert (events[-1].kind, events[-1].note) == ("corrected", "new_key")
    assert run(site, cid) == "received"
    assert [c["idempotency_key"] for c in sim_complaints(sim)] == [after.idempotency_key]


def test_unchanged_resend_keeps_the_key(site, sim):
    """Resending after 24 h of failures, unchanged: same Idempotency-Key, delivered once."""
    cid = file_direct(site)
    set_status(site, cid, "failed", failure_kind="expired", last_error="city platform answered 503")
    before = load(site, cid)[0]
    html = site.client.get(f"/complaints/{cid}").get_data(as_text=True)
    assert "24 小时内未能送达城市平台" in html and "按原内容重新发送" in html
    assert site.post(f"/complaints/{cid}/resend", {}).status_code == 302
    after, _row, events = load(site, cid)
    assert after.idempotency_key == before.idempotency_key
    assert after.payload == before.payload
    assert (events[-1].kind, events[-1].note) == ("resent", "same_key")
    assert run(site, cid) == "received"


def test_correction_that_changes_nothing_keeps_the_key(site):
    """Submitting the correction form unchanged is a resend with the same key."""
    cid = file_direct(site)
    set_status(site, cid, "failed", failure_kind="rejected", last_error="投诉内容有误")
    before = load(site, cid)[0]
    site.post(
        f"/complaints/{cid}/resend",
        {
            "rider_code": before.rider_code,
            "category": before.category,
            "description": before.description,
            "occurred_at": (before.occurred_at + timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    after, _row, events = load(site, cid)
    assert after.idempotency_key == before.idempotency_key
    assert (events[-1].kind, events[-1].note) == ("corrected", "same_key")


def test_bad_correction_is_refused_with_reasons(site):
    """An invalid correction: 400 with the reasons, the complaint stays failed."""
    cid = file_direct(site)
    set_status(site, cid, "failed", failure_kind="rejected")
    response = site.post(
        f"/complaints/{cid}/resend",
        {"rider_code": "?", "category": "x", "description": "", "occurred_at": ""},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "骑手编码应为" in html and "请选择投诉类别" in html and "请写明事情经过" in html
    assert load(site, cid)[0].status == "failed"


def test_resend_of_a_complaint_not_failed_changes_nothing(site):
    """Only failed complaints can be resent."""
    cid = file_direct(site)
    before = load(site, cid)
    response = site.post(f"/complaints/{cid}/resend", {})
    assert response.status_code == 302
    assert load(site, cid)[0].status == before[0].status == "queued"
    assert len(load(site, cid)[2]) == len(before[2])


def test_another_companys_complaint_is_404(site, app, new_client):
    """Detail and resend of another company's complaint answer 404."""
    rival = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    theirs = file_direct(rival)
    assert site.client.get(f"/complaints/{theirs}").status_code == 404
    assert site.post(f"/complaints/{theirs}/resend", {}).status_code == 404
