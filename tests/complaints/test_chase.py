"""催办 (POST /complaints/<id>/chase): the reminder reaches the city exactly once through failures;
rider replies (complaint.rider_replied) on the timeline, idempotent."""

import uuid
from datetime import timedelta

import requests
from sqlalchemy import select, update

from tenants import tenant_context, utcnow
from tests.complaints.test_deadlines import set_complaint
from tests.complaints.test_status import delivered, post_event
from tests.factories import file_direct, load, sim_complaints
from xgm.complaints.models import ComplaintEvent, ComplaintReminder
from xgm.complaints.reminders import deliver_reminder_job
from xgm.extensions import db


def overdue_complaint(site):
    """A complaint the city received whose first-answer deadline has passed."""
    c = delivered(site)
    set_complaint(site, c.id, answer_due_at=utcnow() - timedelta(minutes=1))
    return c


def reminders(site) -> list[ComplaintReminder]:
    with site.app.app_context(), tenant_context(site.tenant_id):
        rows = db.session.scalars(select(ComplaintReminder).order_by(ComplaintReminder.id)).all()
        db.session.expunge_all()
        return list(rows)


def run(site, reminder_id: int) -> str:
    with site.app.app_context():
        return deliver_reminder_job(site.tenant_id, reminder_id)


def make_due(site, reminder_id: int) -> None:
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(
            update(ComplaintReminder)
            .where(ComplaintReminder.id == reminder_id)
            .values(due_at=utcnow())
        )
        db.session.commit()


def sim_reminders(sim, city_id: str) -> list[dict]:
    return next(c for c in sim_complaints(sim) if c["complaint_id"] == city_id)["reminders"]


def wait_for(condition, timeout: float = 10.0) -> None:
    """Wait until the simulator's slow (timed-out) request has been processed."""
    import time

    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.05)


def fail_reminders(sim, mode: str, count: int, **extra) -> None:
    requests.post(
        sim + "/_sim/fail",
        json={"mode": mode, "count": count, "target": "reminders", **extra},
        timeout=10,
    ).raise_for_status()


def test_chase_through_failures_reaches_the_city_once(site, sim):
    """503, then a timeout after the city stored it, then success: one reminder at the city."""
    c = overdue_complaint(site)
    fail_reminders(sim, "503", 1)
    response = site.post(f"/complaints/{c.id}/chase", {"note": "请尽快答复"})
    assert response.status_code == 303
    (reminder,) = reminders(site)
    assert (reminder.status, reminder.note) == ("queued", "请尽快答复")
    assert run(site, reminder.id) == "retry"
    assert run(site, reminder.id) == "skipped"  # not due yet: a duplicate job does nothing
    make_due(site, reminder.id)
    fail_reminders(sim, "timeout", 1, delay=1.5)  # the city stores it, our read times out
    assert run(site, reminder.id) == "retry"
    wait_for(lambda: len(sim_reminders(sim, c.city_complaint_id)) == 1)  # the slow answer
    make_due(site, reminder.id)
    assert run(site, reminder.id) == "sent"
    assert run(site, reminder.id) == "skipped"
    held = sim_reminders(sim, c.city_complaint_id)
    assert [(r["note"], r["idempotency_key"]) for r in held] == [
        ("请尽快答复", reminder.idempotency_key)
    ]
    (sent,) = reminders(site)
    assert (sent.status, sent.city_count, sent.attempts) == ("sent", 1, 3)
    events = [
        (e.kind, e.status, e.http_status)
        for e in load(site, c.id)[2]
        if e.kind in ("chase", "reminder")
    ]
    assert events == [
        ("chase", "queued", None),
        ("reminder", "retry", 503),
        ("reminder", "retry", None),
        ("reminder", "sent", 200),
    ]
    page = site.client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "催办已送达城市平台（第 1 次催办）" in page


def test_chase_is_refused_when_not_overdue_or_pending(site, sim):
    """Not overdue: no reminder; a second chase while one is on its way: no second reminder."""
    c = delivered(site)
    response = site.post(f"/complaints/{c.id}/chase", {})
    assert response.status_code == 303 and reminders(site) == []
    assert "投诉尚未超过处理时限" in site.client.get(f"/complaints/{c.id}").get_data(as_text=True)
    set_complaint(site, c.id, answer_due_at=utcnow() - timedelta(minutes=1))
    site.post(f"/complaints/{c.id}/chase", {})
    site.post(f"/complaints/{c.id}/chase", {})
    assert len(reminders(site)) == 1
    queued = file_direct(site, category="littering")
    set_complaint(site, queued, answer_due_at=utcnow() - timedelta(minutes=1))
    site.post(f"/complaints/{queued}/chase", {})
    assert len(reminders(site)) == 1  # the city does not have it yet: nothing to chase


def test_chase_needs_csrf_and_a_short_note(site, sim):
    """No CSRF token, or a note over 200 characters: nothing is queued."""
    c = overdue_complaint(site)
    assert site.client.post(f"/complaints/{c.id}/chase", data={}).status_code in (400, 303)
    site.post(f"/complaints/{c.id}/chase", {"note": "催" * 201})
    assert reminders(site) == []


def test_chase_of_a_closed_complaint_fails_without_retry(site, sim):
    """The city resolved it meanwhile (webhook not here yet): 409 closed, no retry."""
    c = overdue_complaint(site)
    requests.post(
        f"{sim}/_sim/complaints/{c.city_complaint_id}/advance",
        json={"status": "resolved"},
        timeout=10,
    ).raise_for_status()
    site.post(f"/complaints/{c.id}/chase", {})
    (reminder,) = reminders(site)
    assert run(site, reminder.id) == "failed"
    (failed,) = reminders(site)
    assert failed.status == "failed" and failed.due_at is None
    assert sim_reminders(sim, c.city_complaint_id) == []


def test_sweep_re_enqueues_a_lost_reminder_job(site, sim):
    """A reminder whose job was lost is due: the outbox sweep puts it back on the queue."""
    from xgm.complaints.jobs import sweep_outbox
    from xgm.queues import get_queue

    c = overdue_complaint(site)
    site.post(f"/complaints/{c.id}/chase", {})
    (reminder,) = reminders(site)
    with site.app.app_context():
        get_queue("complaints").empty()
        with tenant_context(site.tenant_id):
            db.session.execute(
                update(ComplaintReminder).values(due_at=utcnow() - timedelta(minutes=5))
            )
            db.session.commit()
        result = sweep_outbox()
        assert (result["reminders_due"], result["reminders_enqueued"]) == (1, 1)
        assert f"xgm-reminder-{reminder.id}-0" in get_queue("complaints").job_ids


def post_reply(client, c, event_id: str, reply: str):
    return post_event(
        client,
        event="complaint.rider_replied",
        event_id=event_id,
        reference=c.reference,
        complaint_id=c.city_complaint_id,
        reply=reply,
    )


def test_rider_reply_is_on_the_timeline_once(site, client):
    """The same complaint.rider_replied twice: one timeline line, shown on the complaint page."""
    c = delivered(site)
    event_id = "E" + uuid.uuid4().hex
    first = post_reply(client, c, event_id, "已注意，今后会减速慢行")
    again = post_reply(client, c, event_id, "已注意，今后会减速慢行")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["duplicate"] is True
    replies = [(e.kind, e.note, e.source) for e in load(site, c.id)[2] if e.kind == "reply"]
    assert replies == [("reply", "已注意，今后会减速慢行", "city")]
    page = site.client.get(f"/complaints/{c.id}").get_data(as_text=True)
    assert "骑手回复" in page and "已注意，今后会减速慢行" in page


def test_rider_reply_handler_is_idempotent_by_itself(site, app):
    """Called twice with one event (a replay past the receiver): still one timeline line."""
    from xgm.complaints.status import handle_rider_replied

    c = delivered(site)
    event = {
        "event_id": "E" + uuid.uuid4().hex,
        "event": "complaint.rider_replied",
        "reference": c.reference,
        "complaint_id": c.city_complaint_id,
        "reply": "抱歉",
        "at": "2026-11-28T12:00:00+08:00",
    }
    with app.app_context():
        handle_rider_replied(event)
        db.session.commit()
        handle_rider_replied(event)
        db.session.commit()
    with app.app_context(), tenant_context(site.tenant_id):
        count = len(
            db.session.scalars(select(ComplaintEvent).where(ComplaintEvent.kind == "reply")).all()
        )
    assert count == 1


def test_simulator_forwards_a_rider_reply(site, sim):
    """The simulator's reply control emits complaint.rider_replied with the reply text."""
    c = delivered(site)
    answer = requests.post(
        f"{sim}/_sim/complaints/{c.city_complaint_id}/reply", json={"reply": "收到"}, timeout=10
    )
    assert answer.status_code == 200
    deliveries = requests.get(sim + "/_sim/webhooks", timeout=10).json()["deliveries"]
    (hook,) = [d for d in deliveries if d["event"] == "complaint.rider_replied"]
    assert hook["payload"]["reply"] == "收到"
    assert hook["payload"]["reference"] == c.reference
    bad = requests.post(f"{sim}/_sim/complaints/{c.city_complaint_id}/reply", json={}, timeout=10)
    assert bad.status_code == 400


def test_simulator_reminder_contract(site, sim):
    """Section 7 in the simulator: 201 then 200 for one key, 404 unknown complaint, 400 bad note."""
    import pytest

    from tests.factories import CLIENT_ID, SECRET
    from xgm.city import ComplaintRejected, UnknownComplaint, client_from_config

    c = delivered(site)
    client = client_from_config(
        {"XGM_CITY_URL": sim, "XGM_CITY_CLIENT_ID": CLIENT_ID, "XGM_CITY_SECRET": SECRET}
    )
    at = "2026-11-29T12:00:00+08:00"
    key = str(uuid.uuid4())
    first = client.post_reminder(c.city_complaint_id, "请处理", at, key)
    again = client.post_reminder(c.city_complaint_id, "请处理", at, key)
    other = client.post_reminder(c.city_complaint_id, "再次催办", at, str(uuid.uuid4()))
    assert (first.reminders, first.first_receipt) == (1, True)
    assert (again.reminders, again.first_receipt) == (1, False)
    assert (other.reminders, other.first_receipt) == (2, True)
    with pytest.raises(UnknownComplaint):
        client.post_reminder("C20990101999999", "请处理", at, str(uuid.uuid4()))
    with pytest.raises(ComplaintRejected) as caught:
        client.post_reminder(c.city_complaint_id, "催" * 201, at, str(uuid.uuid4()))
    assert set(caught.value.fields) == {"note"}
    assert len(sim_reminders(sim, c.city_complaint_id)) == 2
