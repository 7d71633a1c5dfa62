"""Complaint status changes reach the team alerts: the receipt, the city's webhooks, failures."""

import json
from datetime import timedelta

from sqlalchemy import select, update

from tenants import tenant_context, utcnow
from tests.complaints.test_status import delivered, post_event
from tests.factories import file_direct, load
from xgm.alerts.models import AlertEvent, Notification
from xgm.complaints.deadlines import mark_overdue
from xgm.complaints.jobs import deliver_complaint
from xgm.complaints.models import Complaint
from xgm.extensions import db


def alert_events(site) -> list[tuple[str, str, str, str]]:
    """(kind, ref, detail, link) of the tenant's alert events, oldest first."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        rows = db.session.scalars(select(AlertEvent).order_by(AlertEvent.id)).all()
        return [(e.kind, e.ref, e.detail, e.link) for e in rows]


def test_receipt_and_each_city_change_raise_one_event(site, client):
    """received, then forwarded by webhook (sent twice): two events, codes and links only."""
    c = delivered(site)
    post_event(client, event_id="E-a1", reference=c.reference, status="forwarded")
    post_event(client, event_id="E-a1", reference=c.reference, status="forwarded")
    link = f"/complaints/{c.id}"
    assert alert_events(site) == [
        ("complaint_status", c.reference, "城市平台已受理", link),
        ("complaint_status", c.reference, "已转交", link),
    ]
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 2
    assert c.rider_name == "" or all(c.rider_name not in str(e) for e in alert_events(site))


def test_a_refused_complaint_raises_failed(site):
    """The city refusing the complaint: one event saying 发送失败."""
    cid = file_direct(site)
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint).where(Complaint.id == cid)).one()
        body = complaint.payload_dict
        body["category"] = "speeding"  # not one of the contract's seven: the city refuses it
        complaint.payload = json.dumps(body, ensure_ascii=False)
        db.session.commit()
    with site.app.app_context():
        assert deliver_complaint(site.tenant_id, cid) == "failed"
    complaint = load(site, cid)[0]
    assert alert_events(site) == [
        ("complaint_status", complaint.reference, "发送失败", f"/complaints/{cid}")
    ]


def test_each_missed_deadline_raises_one_overdue_event(site):
    """The overdue sweep: one complaint_overdue event per missed deadline, however often it runs."""
    c = delivered(site)
    past = utcnow() - timedelta(minutes=1)
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(
            update(Complaint)
            .where(Complaint.id == c.id)
            .values(answer_due_at=past, resolve_due_at=past)
        )
        db.session.commit()
    before = alert_events(site)
    with site.app.app_context():
        assert mark_overdue() == {"answer": 1, "resolve": 1}
        assert mark_overdue() == {"answer": 0, "resolve": 0}
    link = f"/complaints/{c.id}"
    assert alert_events(site)[len(before) :] == [
        ("complaint_overdue", c.reference, "城市平台超时未受理", link),
        ("complaint_overdue", c.reference, "超时未办结", link),
    ]
