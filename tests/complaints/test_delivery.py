"""The delivery job against the real simulator: outcomes, retries, idempotency."""

import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants import TenantRequired, tenant_context, utcnow
from tests.factories import (
    UNKNOWN_RIDER,
    file_direct,
    load,
    make_site,
    sim_complaints,
    sim_fail,
    update_outbox,
)
from xgm.complaints.delivery import claim
from xgm.complaints.jobs import deliver_complaint
from xgm.complaints.models import Complaint
from xgm.complaints.outbox import QUEUE, delivery_job_id
from xgm.extensions import db
from xgm.queues import get_queue


def run(site, complaint_id: int) -> str:
    """Run the delivery job once, as a worker would (app context, ids only)."""
    with site.app.app_context():
        return deliver_complaint(site.tenant_id, complaint_id)


def make_due(site, complaint_id: int) -> None:
    """Bring the next attempt forward to now (instead of waiting for the backoff)."""
    update_outbox(site, complaint_id, due_at=utcnow())


def test_first_delivery_marks_received_with_city_id(site, sim):
    """201 from the city: the complaint is received, carries the city's id, the row is delivered."""
    cid = file_direct(site)
    assert run(site, cid) == "received"
    complaint, row, events = load(site, cid)
    held = sim_complaints(sim)
    assert len(held) == 1
    assert held[0]["reference"] == complaint.reference
    assert held[0]["idempotency_key"] == complaint.idempotency_key
    assert complaint.status == "received"
    assert complaint.city_complaint_id == held[0]["complaint_id"]
    assert complaint.attempts == 1
    assert row.delivered_at is not None and row.due_at is None and row.locked_until is None
    assert [(e.kind, e.status, e.http_status) for e in events] == [
        ("filed", "queued", None),
        ("attempt", "received", 201),
        ("status", "received", None),
    ]


def test_body_sent_is_the_contract_shape(site, sim):
    """The city receives the contract's body: compound, gate, reporter and China-time occurred_at."""
    cid = file_direct(site, description="未戴头盔进入小区", category="no_helmet")
    run(site, cid)
    body = sim_complaints(sim)[0]["body"]
    assert body["category"] == "no_helmet"
    assert body["description"] == "未戴头盔进入小区"
    assert body["occurred_at"].endswith("+08:00")
    assert body["compound"] == {
        "name": "阳光花园",
        "address": "桐庐县迎春南路1号",
        "district": "桐庐县",
        "street": "城南街道",
        "community": "阳光社区",
    }
    assert body["gate"] == {"name": "东门"}
    assert body["reporter"]["name"] == "李经理"
    assert body["reporter"]["role"] == "manager"
    assert body["reporter"]["organisation"].endswith("有限公司")


def test_running_the_job_twice_is_harmless(site, sim):
    """A second run after delivery is a no-op: one complaint at the city, one attempt."""
    cid = file_direct(site)
    assert run(site, cid) == "received"
    assert run(site, cid) == "skipped"
    complaint, _row, events = load(site, cid)
    assert len(sim_complaints(sim)) == 1
    assert complaint.attempts == 1
    assert [e.kind for e in events].count("attempt") == 1


def test_503_is_retried_later_with_backoff(site, sim):
    """503: the complaint stays sending, the next attempt is due in the future and scheduled."""
    cid = file_direct(site)
    sim_fail(sim, "503")
    before = utcnow()
    assert run(site, cid) == "retry"
    complaint, row, events = load(site, cid)
    assert complaint.status == "sending"
    assert complaint.attempts == 1
    assert row.delivered_at is None and row.locked_until is None
    # base 2 s, first failure: 1-2 s from now.
    assert before + timedelta(seconds=1) <= row.due_at <= utcnow() + timedelta(seconds=2)
    assert (events[-1].kind, events[-1].status, events[-1].http_status) == ("attempt", "retry", 503)
    assert events[-1].retry_at == row.due_at
    with site.app.app_context():
        scheduled = get_queue(QUEUE).scheduled_job_registry.get_job_ids()
    assert scheduled == [delivery_job_id(cid, 1)]
    assert sim_complaints(sim) == []


def test_retry_before_due_time_does_nothing(site, sim):
    """A job that runs before the backoff is over does not post (the scheduled one will)."""
    site.app.config["XGM_COMPLAINT_RETRY_BASE"] = 10.0
    cid = file_direct(site)
    sim_fail(sim, "503")
    run(site, cid)
    assert run(site, cid) == "skipped"
    complaint, _row, _events = load(site, cid)
    assert complaint.attempts == 1


def test_503_then_success_delivers_once(site, sim):
    """After a 503 the retry gets through: received, two attempts, one complaint at the city."""
    cid = file_direct(site)
    sim_fail(sim, "503")
    run(site, cid)
    make_due(site, cid)
    assert run(site, cid) == "received"
    complaint, _row, events = load(site, cid)
    assert complaint.status == "received"
    assert complaint.attempts == 2
    assert [(e.status, e.http_status) for e in events if e.kind == "attempt"] == [
        ("retry", 503),
        ("received", 201),
    ]
    assert len(sim_complaints(sim)) == 1


def test_429_honours_retry_after(site, sim):
    """429 with Retry-After: 30 -> the next attempt is due 30-36 s later, not on the backoff."""
    cid = file_direct(site)
    sim_fail(sim, "429", retry_after=30)
    before = utcnow()
    assert run(site, cid) == "retry"
    _complaint, row, events = load(site, cid)
    assert before + timedelta(seconds=30) <= row.due_at <= utcnow() + timedelta(seconds=36)
    assert events[-1].http_status == 429


def test_timeout_then_retry_is_one_complaint_at_the_city(site, sim):
    """A timed-out post the city did receive: the retry (same key) gets the same complaint id."""
    cid = file_direct(site)
    sim_fail(sim, "timeout", delay=2)  # our read timeout is 1 s
    assert run(site, cid) == "retry"
    complaint, row, events = load(site, cid)
    assert events[-1].http_status is None
    make_due(site, cid)
    time.sleep(1.5)  # let the simulator finish the slow request
    assert run(site, cid) == "received"
    complaint, row, events = load(site, cid)
    held = sim_complaints(sim)
    assert len(held) == 1
    assert held[0]["replays"] == 1
    assert complaint.city_complaint_id == held[0]["complaint_id"]
    assert events[-2].http_status == 200  # the replay answer


def test_400_fails_at_once_with_the_city_message(site, sim):
    """400: failed after one attempt, the city's message and field reasons kept for the manager."""
    cid = file_direct(site)
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint).where(Complaint.id == cid)).one()
        body = complaint.payload_dict
        body["category"] = "speeding"  # not one of the contract's seven
        complaint.payload = json.dumps(body, ensure_ascii=False)
        db.session.commit()
    assert run(site, cid) == "failed"
    complaint, row, events = load(site, cid)
    assert complaint.status == "failed"
    assert complaint.failure_kind == "rejected"
    assert complaint.attempts == 1
    assert "category" in complaint.field_errors
    assert complaint.last_error.startswith("投诉内容有误")
    assert row.due_at is None and row.delivered_at is None
    assert [(e.kind, e.status, e.http_status) for e in events[-2:]] == [
        ("attempt", "failed", 400),
        ("status", "failed", None),
    ]
    assert run(site, cid) == "skipped"


def test_unknown_rider_404_fails_at_once(site, sim):
    """404 unknown rider: failed, not retried."""
    cid = file_direct(site, rider_code=UNKNOWN_RIDER)
    assert run(site, cid) == "failed"
    complaint, _row, events = load(site, cid)
    assert complaint.failure_kind == "rejected"
    assert UNKNOWN_RIDER in complaint.last_error
    assert events[-2].http_status == 404
    assert sim_complaints(sim) == []


def test_transient_failures_past_the_horizon_fail_the_complaint(site, sim):
    """Once 24 h of retries are over, the next transient failure fails the complaint (expired)."""
    cid = file_direct(site)
    update_outbox(site, cid, give_up_at=utcnow() - timedelta(seconds=1))
    sim_fail(sim, "503")
    assert run(site, cid) == "failed"
    complaint, row, _events = load(site, cid)
    assert complaint.status == "failed"
    assert complaint.failure_kind == "expired"
    assert row.due_at is None


def test_last_retry_is_not_later_than_the_horizon(site, sim):
    """The backoff never schedules an attempt after give_up_at."""
    cid = file_direct(site)
    horizon = utcnow() + timedelta(seconds=1)
    update_outbox(site, cid, give_up_at=horizon)
    sim_fail(sim, "429", retry_after=600)
    assert run(site, cid) == "retry"
    _complaint, row, _events = load(site, cid)
    assert row.due_at == horizon


def test_job_for_another_tenant_touches_nothing(site, sim, app, new_client):
    """The delivery SQL filters by the job's tenant: another company's complaint id is skipped."""
    other = make_site(app, new_client(), "rival@example.com", "乙物业有限公司")
    theirs = file_direct(other)
    with app.app_context():
        assert deliver_complaint(site.tenant_id, theirs) == "skipped"
    complaint, row, events = load(other, theirs)
    assert complaint.status == "queued" and complaint.attempts == 0
    assert row.attempts == 0 and row.locked_until is None
    assert [e.kind for e in events] == ["filed"]
    assert sim_complaints(sim) == []


def test_delivery_sql_without_a_tenant_raises(site):
    """No tenant set: the delivery SQL fails closed, like the ORM wall."""
    cid = file_direct(site)
    with site.app.app_context(), pytest.raises(TenantRequired):
        claim(cid, utcnow(), 20)
