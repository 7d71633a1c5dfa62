"""Status news from the city: signed webhooks (duplicates, order) and polls of quiet complaints."""

import json
import uuid
from datetime import timedelta

import requests
from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.factories import CLIENT_ID, SECRET, file_direct, load
from xgm.city.signing import signed_headers
from xgm.complaints.jobs import deliver_complaint, poll_complaint, poll_quiet_complaints
from xgm.complaints.models import Complaint
from xgm.complaints.outbox import QUEUE
from xgm.extensions import db
from xgm.queues import get_queue


def post_event(client, **fields):
    """POST a signed complaint.status_changed event to /hooks/city, as the city does."""
    event = {
        "event_id": fields.pop("event_id", "E" + uuid.uuid4().hex),
        "event": "complaint.status_changed",
        "note": "",
        "at": "2026-11-28T12:00:00+08:00",
        **fields,
    }
    body = json.dumps(event, ensure_ascii=False).encode("utf-8")
    headers = signed_headers(CLIENT_ID, SECRET, "POST", "/hooks/city", body)
    headers["Content-Type"] = "application/json; charset=utf-8"
    return client.post("/hooks/city", data=body, headers=headers)


def delivered(site, **overrides) -> Complaint:
    """A complaint the city has received."""
    cid = file_direct(site, **overrides)
    with site.app.app_context():
        assert deliver_complaint(site.tenant_id, cid) == "received"
    return load(site, cid)[0]


def statuses(site, complaint_id: int) -> list[tuple[str, str]]:
    """(status, note) of the complaint's status history rows."""
    _c, _r, events = load(site, complaint_id)
    return [(e.status, e.note) for e in events if e.kind == "status"]


def test_webhook_moves_the_status_and_adds_history(site, client):
    """forwarded then investigating: status follows, each change is a timeline row."""
    c = delivered(site)
    ref, city_id = c.reference, c.city_complaint_id
    r1 = post_event(client, reference=ref, complaint_id=city_id, status="forwarded", note="已转交")
    r2 = post_event(
        client, reference=ref, complaint_id=city_id, status="investigating", note="核查"
    )
    assert (r1.status_code, r2.status_code) == (200, 200)
    complaint, _row, _events = load(site, c.id)
    assert complaint.status == "investigating"
    assert statuses(site, c.id) == [
        ("received", ""),
        ("forwarded", "已转交"),
        ("investigating", "核查"),
    ]


def test_duplicate_webhook_changes_nothing(site, client):
    """The same event delivered twice: 200 both times, one history row."""
    c = delivered(site)
    event = {"event_id": "E-dup-1", "reference": c.reference, "status": "forwarded"}
    assert post_event(client, **event).status_code == 200
    assert post_event(client, **event).status_code == 200
    assert statuses(site, c.id) == [("received", ""), ("forwarded", "")]


def test_same_change_under_a_new_event_id_is_recorded_once(site, client):
    """The city telling the same change again (new event id) does not add a second row."""
    c = delivered(site)
    post_event(client, reference=c.reference, status="forwarded")
    post_event(client, reference=c.reference, status="forwarded")
    assert statuses(site, c.id) == [("received", ""), ("forwarded", "")]


def test_status_never_goes_backwards(site, client):
    """A late 'forwarded' after 'resolved' is on the timeline but the status stays resolved."""
    c = delivered(site)
    post_event(client, reference=c.reference, status="resolved", note="已处理")
    post_event(client, reference=c.reference, status="forwarded", note="迟到的通知")
    complaint, _row, _events = load(site, c.id)
    assert complaint.status == "resolved"
    assert statuses(site, c.id)[-1] == ("forwarded", "迟到的通知")


def test_news_before_our_receipt_marks_it_delivered(site, client):
    """A webhook about a complaint still being sent proves the city has it: no more attempts."""
    cid = file_direct(site)
    complaint, _row, _events = load(site, cid)
    post_event(
        client, reference=complaint.reference, complaint_id="C20261128999999", status="forwarded"
    )
    complaint, row, _events = load(site, cid)
    assert complaint.status == "forwarded"
    assert complaint.city_complaint_id == "C20261128999999"
    assert row.delivered_at is not None and row.due_at is None
    with site.app.app_context():
        assert deliver_complaint(site.tenant_id, cid) == "skipped"


def test_unknown_complaint_is_acknowledged_and_ignored(site, client):
    """An event about a reference we do not know: 200 (stored), nothing changes."""
    c = delivered(site)
    response = post_event(client, reference="XGM-19700101-000000000000", status="resolved")
    assert response.status_code == 200
    assert load(site, c.id)[0].status == "received"


def test_unsigned_webhook_is_refused(site, client):
    """A forged event (bad signature) is 401 and changes nothing."""
    c = delivered(site)
    body = json.dumps(
        {
            "event_id": "E1",
            "event": "complaint.status_changed",
            "reference": c.reference,
            "status": "resolved",
        }
    ).encode()
    headers = signed_headers(CLIENT_ID, "wrong-secret", "POST", "/hooks/city", body)
    assert client.post("/hooks/city", data=body, headers=headers).status_code == 401
    assert load(site, c.id)[0].status == "received"


def make_quiet(site, complaint_id: int, hours: float = 7) -> None:
    """Pretend the city last said something about the complaint `hours` ago."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        complaint = db.session.scalars(select(Complaint).where(Complaint.id == complaint_id)).one()
        complaint.last_news_at = utcnow() - timedelta(hours=hours)
        db.session.commit()


def test_quiet_complaints_are_polled(site, sim):
    """No news for 6 hours: the poll job asks the city and records what the webhooks missed."""
    c = delivered(site)
    for status in ("forwarded", "investigating"):
        requests.post(
            f"{sim}/_sim/complaints/{c.city_complaint_id}/advance",
            json={"status": status},
            timeout=10,
        ).raise_for_status()
    make_quiet(site, c.id)
    with site.app.app_context():
        assert poll_quiet_complaints() == {"quiet": 1, "enqueued": 1}
        polls = [j for j in get_queue(QUEUE).get_job_ids() if j.startswith("xgm-complaint-poll-")]
        assert len(polls) == 1
        assert poll_complaint(site.tenant_id, c.id) == 2
    complaint, _row, _events = load(site, c.id)
    assert complaint.status == "investigating"
    assert [s for s, _n in statuses(site, c.id)] == ["received", "forwarded", "investigating"]
    assert complaint.last_news_at > utcnow() - timedelta(minutes=1)


def test_recent_and_final_complaints_are_not_polled(site, client):
    """Complaints with news in the last 6 hours, or already resolved, are left alone."""
    recent = delivered(site)
    final = delivered(site, category="no_helmet")
    post_event(client, reference=final.reference, status="resolved")
    make_quiet(site, final.id)
    make_quiet(site, recent.id, hours=5)
    with site.app.app_context():
        assert poll_quiet_complaints() == {"quiet": 0, "enqueued": 0}
