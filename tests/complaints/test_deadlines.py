"""Complaint deadlines: due times from the tenant's settings, overdue flags, the overdue moment."""

from datetime import timedelta

from sqlalchemy import select, update

from tenants import Tenant, tenant_context, utcnow
from tests.complaints.test_status import delivered, post_event
from tests.factories import file_direct, load
from xgm.complaints.deadlines import mark_overdue, overdue_kinds
from xgm.complaints.models import Complaint
from xgm.extensions import db


def set_complaint(site, complaint_id: int, **values) -> None:
    """Set columns of a complaint (test set-up: move its deadlines into the past)."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(update(Complaint).where(Complaint.id == complaint_id).values(**values))
        db.session.commit()


def test_due_times_default_to_24_hours_and_7_days(site):
    """A new complaint is due a first answer 24 h and a resolution 7 days after filing."""
    complaint, _row, _events = load(site, file_direct(site))
    assert complaint.answer_due_at - complaint.created_at == timedelta(hours=24)
    assert complaint.resolve_due_at - complaint.created_at == timedelta(days=7)
    assert complaint.answered_at is None and complaint.closed_at is None


def test_owner_sets_deadlines_within_limits(site):
    """3 h / 2 days are saved and used for later complaints; 0 h and 31 days are refused (400)."""
    page = site.client.get("/complaints/settings")
    assert page.status_code == 200 and "首次答复时限" in page.get_data(as_text=True)
    bad = site.post(
        "/complaints/settings", {"complaint_answer_hours": "0", "complaint_resolve_days": "31"}
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "首次答复时限应在 1 到 72 小时之间" in text and "办结时限应在 1 到 30 天之间" in text
    ok = site.post(
        "/complaints/settings", {"complaint_answer_hours": "3", "complaint_resolve_days": "2"}
    )
    assert ok.status_code == 303
    with site.app.app_context():
        tenant = db.session.get(Tenant, site.tenant_id)
        assert (tenant.complaint_answer_hours, tenant.complaint_resolve_days) == (3, 2)
    complaint, _row, _events = load(site, file_direct(site))
    assert complaint.answer_due_at - complaint.created_at == timedelta(hours=3)
    assert complaint.resolve_due_at - complaint.created_at == timedelta(days=2)


def test_overdue_flags_follow_the_deadlines(site, client):
    """Past the answer deadline unanswered: overdue (answer); a forwarded webhook answers it;
    past the resolution deadline: overdue (resolve); resolved: not overdue."""
    c = delivered(site)
    past = utcnow() - timedelta(minutes=1)
    set_complaint(site, c.id, answer_due_at=past)
    assert overdue_kinds(load(site, c.id)[0]) == ("answer",)
    page = site.client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert 'id="complaint-overdue"' in page and "城市平台未在时限内首次答复" in page
    listing = site.client.get("/complaints").get_data(as_text=True)
    assert "1 件投诉城市平台超时未处理" in listing
    assert site.client.get("/complaints?overdue=1").get_data(as_text=True).count(c.reference) == 1
    post_event(client, reference=c.reference, complaint_id=c.city_complaint_id, status="forwarded")
    complaint = load(site, c.id)[0]
    assert complaint.answered_at is not None and overdue_kinds(complaint) == ()
    set_complaint(site, c.id, resolve_due_at=past)
    assert overdue_kinds(load(site, c.id)[0]) == ("resolve",)
    post_event(client, reference=c.reference, complaint_id=c.city_complaint_id, status="resolved")
    complaint = load(site, c.id)[0]
    assert complaint.closed_at is not None and overdue_kinds(complaint) == ()


def test_undelivered_complaints_are_never_overdue(site):
    """A complaint still queued (the city does not have it) is not overdue past its deadline."""
    cid = file_direct(site)
    past = utcnow() - timedelta(hours=1)
    set_complaint(site, cid, answer_due_at=past, resolve_due_at=past)
    assert overdue_kinds(load(site, cid)[0]) == ()
    with site.app.app_context():
        assert mark_overdue() == {"answer": 0, "resolve": 0}


def test_the_overdue_moment_is_recorded_once(site):
    """The sweep marks each passed deadline once, with one timeline line, however often it runs."""
    c = delivered(site)
    other = delivered(site, category="no_helmet")
    past = utcnow() - timedelta(minutes=1)
    set_complaint(site, c.id, answer_due_at=past, resolve_due_at=past)
    with site.app.app_context():
        assert mark_overdue() == {"answer": 1, "resolve": 1}
        assert mark_overdue() == {"answer": 0, "resolve": 0}
    complaint, _row, events = load(site, c.id)
    assert complaint.answer_overdue_at is not None and complaint.resolve_overdue_at is not None
    assert [(e.kind, e.status) for e in events if e.kind == "overdue"] == [
        ("overdue", "answer"),
        ("overdue", "resolve"),
    ]
    assert [e for e in load(site, other.id)[2] if e.kind == "overdue"] == []
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalars(
            select(Complaint.id).where(Complaint.answer_overdue_at.is_not(None))
        ).all() == [c.id]
