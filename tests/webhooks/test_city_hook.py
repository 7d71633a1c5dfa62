"""POST /hooks/city: signature, timestamp window, nonce, stored once, handlers, rider changes."""

import time

import pytest
from sqlalchemy import func, select

from tenants import unscoped
from tests.factories import (
    ACTIVE,
    CLIENT_ID,
    SECRET,
    accept_notice,
    arrivals,
    control,
    held_event,
    lookups,
    post_event,
    sign_in_rider,
)
from xgm.extensions import db
from xgm.webhooks import register_handler
from xgm.webhooks.models import CityEvent
from xgm.webhooks.registry import _HANDLERS


def stored(app) -> list[CityEvent]:
    """Every stored city event."""
    with app.app_context(), unscoped():
        rows = list(db.session.scalars(select(CityEvent).order_by(CityEvent.id)))
        for row in rows:
            db.session.expunge(row)
        return rows


def event(event_id: str = "E0001", name: str = "complaint.status_changed", **fields) -> dict:
    """A city event body."""
    return {"event_id": event_id, "event": name, **fields}


@pytest.fixture
def recorder():
    """A handler for a test-only event name that records what it was given."""
    seen: list[dict] = []

    def handle(payload: dict):
        seen.append(payload)

    register_handler("test.recorded", handle)
    yield seen
    _HANDLERS.pop("test.recorded", None)


def test_signed_event_is_stored_and_acknowledged(client, city_app):
    """A correctly signed event answers 200 and is stored once, CSRF-exempt."""
    response = post_event(client, event(status="forwarded"))
    assert response.status_code == 200
    assert response.get_json() == {"event_id": "E0001", "duplicate": False}
    [row] = stored(city_app)
    assert (row.event_id, row.event) == ("E0001", "complaint.status_changed")
    assert '"status": "forwarded"' in row.payload


def test_resend_changes_nothing(client, city_app, recorder):
    """The same event_id again answers 200, stores nothing new and runs no handler again."""
    assert post_event(client, event("E7", "test.recorded", n=1)).status_code == 200
    again = post_event(client, event("E7", "test.recorded", n=2))
    assert again.status_code == 200
    assert again.get_json() == {"event_id": "E7", "duplicate": True}
    assert len(stored(city_app)) == 1
    assert recorder == [{"event_id": "E7", "event": "test.recorded", "n": 1}]


def test_unknown_event_is_stored_and_acknowledged(client, city_app):
    """An event nobody handles is still stored and answered 200."""
    assert post_event(client, event("E9", "city.something_new")).status_code == 200
    [row] = stored(city_app)
    assert (row.event, row.handled_by) == ("city.something_new", 0)


def test_wrong_secret_is_401(client, city_app):
    """A body signed with another secret is refused with 401 and not stored."""
    response = post_event(client, event(), secret="not-the-secret")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"
    assert stored(city_app) == []


def test_unknown_client_is_401(client, city_app):
    """Another integrator's client id is refused."""
    assert post_event(client, event(), client_id="someone-else").status_code == 401
    assert stored(city_app) == []


def test_stale_timestamp_is_401(client, city_app):
    """A timestamp more than 300 s off our clock is refused."""
    response = post_event(client, event(), timestamp=int(time.time()) - 301)
    assert response.status_code == 401
    assert "window" in response.get_json()["message"]


def test_future_timestamp_is_401(client, city_app):
    """A timestamp 301 s ahead is refused too."""
    assert post_event(client, event(), timestamp=int(time.time()) + 301).status_code == 401


def test_replayed_request_is_401(client, city_app):
    """The very same signed request (same nonce) a second time is refused as a replay."""
    first = post_event(client, event("E1"), nonce="n" * 24)
    replay = post_event(client, event("E1"), nonce="n" * 24)
    assert (first.status_code, replay.status_code) == (200, 401)
    assert "nonce" in replay.get_json()["message"]


def test_tampered_body_is_401(client, city_app):
    """Changing the body after signing breaks the signature."""
    from xgm.city.signing import signed_headers

    body = b'{"event_id":"E1","event":"rider.status_changed"}'
    headers = signed_headers(CLIENT_ID, SECRET, "POST", "/hooks/city", body)
    headers["Content-Type"] = "application/json"
    response = client.post("/hooks/city", data=body.replace(b"E1", b"E2"), headers=headers)
    assert response.status_code == 401


def test_unsigned_request_is_401(client, city_app):
    """No X-City-* headers at all is 401."""
    response = client.post("/hooks/city", json=event())
    assert response.status_code == 401


@pytest.mark.parametrize("body", [["not", "an", "object"], {"event": "x"}, {"event_id": "E1"}])
def test_malformed_event_is_400(client, city_app, body):
    """A signed body that is not an event object is 400 and not stored."""
    assert post_event(client, body).status_code == 400
    assert stored(city_app) == []


def test_failing_handler_stores_nothing_so_the_city_retries(client, city_app):
    """A handler error rolls the event back: the resend runs the handlers again."""
    calls = []

    def flaky(payload):
        calls.append(payload["event_id"])
        if len(calls) == 1:
            raise RuntimeError("first try fails")

    register_handler("test.flaky", flaky)
    try:
        with pytest.raises(RuntimeError):
            post_event(client, event("E5", "test.flaky"))
        assert stored(city_app) == []
        assert post_event(client, event("E5", "test.flaky")).status_code == 200
    finally:
        _HANDLERS.pop("test.flaky", None)
    assert calls == ["E5", "E5"]
    assert len(stored(city_app)) == 1


def test_status_change_drops_the_cached_card_at_once(client, place, sim):
    """After rider.status_changed the next scan asks the city again and is refused."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    assert client.get(f"/g/{token}").status_code == 200
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "suspended"})
    # Without the webhook the cached card (< 60 s old) would still admit the rider.
    cached = client.get(f"/g/{token}").get_data(as_text=True)
    assert 'data-outcome="pending"' in cached
    assert lookups(sim) == 1
    assert post_event(client, held_event(sim)).status_code == 200
    body = client.get(f"/g/{token}").get_data(as_text=True)
    assert lookups(sim) == 2
    assert "禁止通行" in body and "已被城市平台暂停" in body


def test_status_change_refuses_pending_arrivals_in_every_tenant(client, new_client, place, sim):
    """A suspension turns the rider's pending arrivals of every tenant into refusals."""
    from tests.factories import create_tenant, make_place

    app = client.application
    sign_in_rider(client, place[3], ACTIVE)
    client.get(f"/g/{place[3]}")
    with app.app_context():
        other = create_tenant("乙物业有限公司").id
    _, _, other_token = make_place(app, other, "阳光花园", "南门")
    accept_notice(client, other_token)  # another company: its notice first
    client.get(f"/g/{other_token}")
    assert [a.outcome for a in arrivals(app)] == ["pending", "pending"]
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "revoked"})
    assert post_event(client, held_event(sim)).status_code == 200
    found = arrivals(app)
    assert [(a.outcome, a.refusal) for a in found] == [("refused", "revoked")] * 2
    assert {a.tenant_id for a in found} == {place[0], other}


def test_reactivation_keeps_decided_arrivals(client, place, sim):
    """rider.status_changed to active refuses nothing."""
    sign_in_rider(client, place[3], ACTIVE)
    client.get(f"/g/{place[3]}")
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "active"})
    assert post_event(client, held_event(sim)).status_code == 200
    assert [a.outcome for a in arrivals(client.application)] == ["pending"]


def test_stored_events_have_unique_ids(city_app):
    """The event_id column is unique: the database itself refuses a second copy."""
    from sqlalchemy.exc import IntegrityError

    with city_app.app_context():
        db.session.add(CityEvent(event_id="E1", event="x", payload="{}"))
        db.session.commit()
        db.session.add(CityEvent(event_id="E1", event="x", payload="{}"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(CityEvent)) == 1


def _scheduled_rechecks(app) -> list[tuple]:
    """(function, args) of the jobs waiting in the default queue's scheduled registry."""
    from rq.job import Job

    from xgm.queues import get_queue, get_redis

    with app.app_context():
        queue = get_queue("default")
        ids = queue.scheduled_job_registry.get_job_ids()
        jobs = Job.fetch_many(ids, connection=get_redis(), serializer=queue.serializer)
        return [(job.func_name, tuple(job.args)) for job in jobs]


def test_a_scan_that_raced_the_suspension_is_refused_by_the_second_pass(client, place, sim):
    """A suspension webhook schedules a second pass; a pending arrival written after the webhook
    (a scan that read the card just before it) is refused by that pass."""
    from tenants import tenant_context
    from xgm.compounds.lookup import resolve_token
    from xgm.passes.jobs import refuse_again_job
    from xgm.passes.scanning import Verdict, record_scan

    app = client.application
    sign_in_rider(client, place[3], ACTIVE)
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "suspended"})
    assert post_event(client, held_event(sim)).status_code == 200
    assert _scheduled_rechecks(app) == [("xgm.passes.jobs.refuse_again_job", (ACTIVE, "suspended"))]
    with app.app_context(), tenant_context(place[0]):  # the raced scan: an active verdict
        gate, compound = resolve_token(place[3])
        record_scan(gate, compound, ACTIVE, Verdict(status="active"))
    assert [a.outcome for a in arrivals(app)] == ["pending"]
    with app.app_context():
        assert refuse_again_job(ACTIVE, "suspended") == 1
    assert [(a.outcome, a.refusal) for a in arrivals(app)] == [("refused", "suspended")]


def test_the_second_pass_leaves_a_rider_the_city_reinstated(client, place, sim):
    """If the city says the rider is active again by the second pass, nothing is refused."""
    from tenants import tenant_context
    from xgm.compounds.lookup import resolve_token
    from xgm.passes.jobs import refuse_again_job
    from xgm.passes.scanning import Verdict, record_scan

    app = client.application
    sign_in_rider(client, place[3], ACTIVE)
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "suspended"})
    assert post_event(client, held_event(sim)).status_code == 200
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "active"})
    assert post_event(client, held_event(sim)).status_code == 200
    with app.app_context(), tenant_context(place[0]):
        gate, compound = resolve_token(place[3])
        record_scan(gate, compound, ACTIVE, Verdict(status="active"))
    with app.app_context():
        assert refuse_again_job(ACTIVE, "suspended") == 0
    assert [a.outcome for a in arrivals(app)] == ["pending"]
