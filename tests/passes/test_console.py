"""The guard console: the contract JSON, admit/deny on both screens, scope, blocks, the stream."""

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants import tenant_context
from tests.factories import (
    ACTIVE,
    ACTIVE_2,
    SUSPENDED,
    Duty,
    Stream,
    age_arrivals,
    arrivals,
    control,
    create_gate,
    page_csrf,
    sign_in_rider,
    signed_in_phone,
)
from xgm.blocks.models import Block
from xgm.extensions import db
from xgm.privacy.models import RiderDataAccess

RIDER_KEYS = {
    "rider_code",
    "name",
    "phone",
    "photo_url",
    "platform",
    "station",
    "team",
    "supervision_phone",
    "status",
}


@pytest.fixture
def duty(city_app, new_client):
    """A guard on duty at 甲苑 东门, the app talking to the simulator."""
    return Duty(city_app, new_client)


def pass_state(rider, tenant_app, tenant_id) -> dict:
    """What the rider's phone polls for its newest arrival."""
    arrival = arrivals(tenant_app, tenant_id)[-1]
    return rider.get(f"/passes/{arrival.pass_key}/status").get_json()


def test_arrival_appears_in_the_contract_json(duty):
    """GET /guard/arrivals lists the scan with exactly the contract's fields filled in."""
    duty.rider(ACTIVE)
    [item] = duty.listed()
    assert {"id", "gate", "rider", "created_at", "outcome"} <= set(item)
    assert item["gate"] == {"id": duty.site.gate_id, "name": "东门"}
    assert set(item["rider"]) >= RIDER_KEYS
    assert item["rider"]["rider_code"] == ACTIVE
    assert item["rider"]["name"] == "王小明"
    assert item["rider"]["phone"] == "138****1234"  # the full number: POST .../phone, logged
    assert item["rider"]["platform"] == "美团外卖"
    assert (item["rider"]["station"], item["rider"]["team"]) == ("桐庐城南站", "城南二队")
    assert item["rider"]["supervision_phone"] == "0571-64610000"
    assert item["rider"]["status"] == "active"
    assert item["rider"]["photo_url"].endswith(f"/photos/{ACTIVE}.jpg")
    assert item["outcome"] == "pending"
    assert item["created_at"].endswith("+08:00")


def test_list_is_newest_first(duty):
    """Two riders: the later scan comes first."""
    duty.rider(ACTIVE)
    duty.rider(ACTIVE_2)
    assert [a["rider"]["rider_code"] for a in duty.listed()] == [ACTIVE_2, ACTIVE]


def test_admit_flips_both_screens(duty):
    """放行 (CSRF by header, JSON): the card and the rider's pass both say admitted."""
    rider, _ = duty.rider(ACTIVE)
    [item] = duty.listed()
    response = duty.act(item["id"], "admit")
    assert response.status_code == 200
    assert response.get_json()["arrival"]["outcome"] == "admitted"
    assert duty.listed()[0]["outcome"] == "admitted"
    state = pass_state(rider, duty.app, duty.site.tenant_id)
    assert state["outcome"] == "admitted"
    [arrival] = arrivals(duty.app, duty.site.tenant_id)
    assert (arrival.decided_by_guard_id, arrival.decided_by_name) == (duty.guard_id, "赵保安")
    page = rider.get(f"/passes/{arrival.pass_key}").get_data(as_text=True)
    assert 'data-outcome="admitted"' in page


def test_deny_with_reason_flips_both_screens(duty):
    """拒绝 by a plain form post (CSRF field): denied with the reason, on both screens."""
    rider, _ = duty.rider(ACTIVE)
    [item] = duty.listed()
    response = duty.act(item["id"], "deny", {"reason": "非本小区订单"}, json=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/guard"
    assert duty.listed()[0]["outcome"] == "denied"
    state = pass_state(rider, duty.app, duty.site.tenant_id)
    assert (state["outcome"], state["reason"]) == ("denied", "非本小区订单")


def test_deny_needs_a_reason(duty):
    """拒绝 without a reason is a 400 with the field's message; the arrival stays pending."""
    duty.rider(ACTIVE)
    [item] = duty.listed()
    response = duty.act(item["id"], "deny", {"reason": ""})
    assert response.status_code == 400
    assert response.get_json()["fields"]["reason"]
    assert duty.listed()[0]["outcome"] == "pending"


def test_admit_needs_the_csrf_token(duty):
    """Without the CSRF token (field or header) the POST is refused."""
    duty.rider(ACTIVE)
    [item] = duty.listed()
    response = duty.phone.post(f"/guard/arrivals/{item['id']}/admit")
    assert response.status_code == 400
    assert duty.listed()[0]["outcome"] == "pending"


def test_second_decision_is_a_conflict(duty):
    """Admitting an arrival already denied answers 409 and changes nothing."""
    duty.rider(ACTIVE)
    [item] = duty.listed()
    assert duty.act(item["id"], "deny", {"reason": "身份与照片不符"}).status_code == 200
    response = duty.act(item["id"], "admit")
    assert response.status_code == 409
    assert response.get_json()["arrival"]["outcome"] == "denied"


def test_expired_arrival_cannot_be_admitted(duty):
    """After 10 minutes the arrival is expired: admit answers 409 and the list says expired."""
    duty.rider(ACTIVE)
    [item] = duty.listed()
    age_arrivals(duty.app, duty.site.tenant_id, timedelta(minutes=10, seconds=5))
    response = duty.act(item["id"], "admit")
    assert response.status_code == 409
    assert response.get_json()["arrival"]["outcome"] == "expired"
    assert duty.listed()[0]["outcome"] == "expired"


def test_refusal_is_shown_to_the_guard_without_buttons(duty):
    """A suspended rider's refusal is on the console too, and cannot be admitted."""
    duty.rider(SUSPENDED)
    [item] = duty.listed()
    assert (item["outcome"], item["refusal"], item["rider"]["status"]) == (
        "refused",
        "suspended",
        "suspended",
    )
    assert duty.act(item["id"], "admit").status_code == 409


def test_guard_of_another_compound_never_sees_the_arrival(duty):
    """A guard on 乙苑's phone sees no 甲苑 arrival and gets 404 acting on it."""
    duty.rider(ACTIVE)
    [item] = duty.listed()
    other_guard = duty.site.add_guard("钱保安", compound_id=duty.site.other)
    other_phone = signed_in_phone(duty.site, other_guard, duty.site.other)
    assert duty.listed(other_phone) == []
    csrf = page_csrf(other_phone, "/guard")
    response = other_phone.post(
        f"/guard/arrivals/{item['id']}/admit", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 404
    assert duty.listed()[0]["outcome"] == "pending"


def test_gate_bound_phone_sees_only_its_gate(duty):
    """A phone bound to 北门 sees 北门's arrivals, not 东门's."""
    with duty.app.app_context():
        north = create_gate(duty.site.tenant_id, duty.site.home, "北门")
    north_guard = duty.site.add_guard("孙保安")
    north_phone = signed_in_phone(duty.site, north_guard, gate_id=north)
    duty.rider(ACTIVE)
    duty.rider(ACTIVE_2, token=duty.token_of(north))
    assert [a["gate"]["name"] for a in duty.listed(north_phone)] == ["北门"]
    assert [a["gate"]["name"] for a in duty.listed()] == ["北门", "东门"]
    east_id = duty.listed()[1]["id"]
    csrf = page_csrf(north_phone, "/guard")
    assert (
        north_phone.post(f"/guard/arrivals/{east_id}/admit", headers={"X-CSRFToken": csrf})
    ).status_code == 404


def test_office_user_cannot_use_the_console_feed(duty):
    """The manager's browser gets 403 on the guard feed."""
    assert duty.site.office.client.get("/guard/arrivals").status_code == 403
    assert duty.site.office.client.get("/guard/stream").status_code == 403


def test_deny_can_block_the_rider_here(duty):
    """拒绝 + 拉黑: a block at this compound by the guard; the rider's next scan is refused."""
    rider, _ = duty.rider(ACTIVE)
    [item] = duty.listed()
    response = duty.act(item["id"], "deny", {"reason": "态度恶劣", "block": "1", "block_days": "7"})
    assert response.status_code == 200
    with duty.app.app_context(), tenant_context(duty.site.tenant_id):
        [block] = db.session.scalars(select(Block)).all()
        assert (block.rider_code, block.compound_id, block.reason) == (
            ACTIVE,
            duty.site.home,
            "态度恶劣",
        )
        assert (block.created_by_kind, block.created_by_name) == ("guard", "赵保安")
        assert block.ends_at is not None
    age_arrivals(duty.app, duty.site.tenant_id, timedelta(minutes=3))
    body = rider.get(f"/g/{duty.token}").get_data(as_text=True)
    assert "禁止通行" in body and "态度恶劣" in body
    assert duty.listed()[0]["refusal"] == "blocked"


def test_console_page_hosts_the_live_feed(duty):
    """/guard renders the feed with its URLs; 投诉 only when the complaints endpoint exists."""
    body = duty.phone.get("/guard").get_data(as_text=True)
    assert 'id="feed"' in body and 'data-stream-url="/guard/stream"' in body
    assert 'data-admit-url="/guard/arrivals/{id}/admit"' in body
    assert "js/console.js" in body and "css/console.css" in body
    has_complaints = "guardphone.complain" in duty.app.view_functions
    expected = 'data-complain-url="/guard/arrivals/{id}/complain"'
    assert (expected in body) == has_complaints


def test_console_says_when_the_city_link_is_down(duty, sim):
    """After a failed lookup the list reports the city link down."""
    assert duty.phone.get("/guard/arrivals").get_json()["city"] == {"down": False}
    rider = duty.new_client()
    sign_in_rider(rider, duty.token, ACTIVE)
    control(sim, "POST", "/_sim/down", {"down": True})
    rider.get(f"/g/{duty.token}")
    assert duty.phone.get("/guard/arrivals").get_json()["city"] == {"down": True}


@pytest.fixture
def fast_stream(city_app):
    """Heartbeats every 0.2 s and streams that end after 5 s, so tests never hang."""
    city_app.config.update(
        XGM_STREAM_HEARTBEAT=0.2, XGM_STREAM_MAX_SECONDS=5, XGM_VIEWING_FLUSH_SECONDS=0.2
    )


def test_stream_pushes_the_card_and_the_decision(duty, fast_stream):
    """The SSE stream carries the new card (with an id) and then its admitted state."""
    stream = Stream(duty.phone)
    try:
        stream.read_until("event: city")
        duty.rider(ACTIVE)
        stream.read_until('"outcome":"pending"')
        [first] = stream.messages()
        assert first["data"]["rider"]["name"] == "王小明"
        duty.act(first["data"]["id"], "admit")
        stream.read_until('"outcome":"admitted"')
        ids = [m["id"] for m in stream.messages()]
        assert len(ids) == 2 and ids[0] < ids[1]
    finally:
        stream.close()


def test_stream_heartbeats_when_idle(duty, fast_stream):
    """An idle stream sends heartbeat comments."""
    stream = Stream(duty.phone)
    try:
        assert ": hb" in stream.read_until(": hb")
    finally:
        stream.close()


def test_reconnect_replays_what_was_missed(duty, fast_stream):
    """A stream opened with Last-Event-ID first sends every event after that id."""
    stream = Stream(duty.phone)
    stream.read_until("event: city")
    duty.rider(ACTIVE)
    stream.read_until('"outcome":"pending"')
    [seen] = stream.messages()
    stream.close()
    duty.act(seen["data"]["id"], "admit")
    duty.rider(ACTIVE_2)
    again = Stream(duty.phone, headers={"Last-Event-ID": seen["id"]})
    try:
        again.read_until("张伟")
        replayed = again.messages()
        assert [m["data"]["outcome"] for m in replayed] == ["admitted", "pending"]
        assert all(m["id"] > seen["id"] for m in replayed)
    finally:
        again.close()


def test_stale_last_event_id_asks_for_a_reload(duty, fast_stream):
    """A Last-Event-ID the feed no longer holds gets `event: reset`."""
    stream = Stream(duty.phone, headers={"Last-Event-ID": "1-0"})
    try:
        assert "event: reset" in stream.read_until("event: reset")
    finally:
        stream.close()


def test_stream_of_another_compound_stays_silent(duty, fast_stream):
    """A 乙苑 phone's stream gets heartbeats, never 甲苑's cards."""
    other_guard = duty.site.add_guard("钱保安", compound_id=duty.site.other)
    other_phone = signed_in_phone(duty.site, other_guard, duty.site.other)
    stream = Stream(other_phone)
    try:
        stream.read_until("event: city")
        duty.rider(ACTIVE)
        stream.read_until(": hb")
        stream.read_until(": hb\n\n: hb")
        assert stream.messages() == []
    finally:
        stream.close()


def test_stream_ends_at_handover(duty, fast_stream):
    """After 交班 on the phone, its open stream says signed-out at the next heartbeat and ends."""
    stream = Stream(duty.phone)
    try:
        stream.read_until("event: city")
        handover = duty.phone.post("/guard/signout", data={"csrf_token": duty.csrf, "confirm": "1"})
        assert handover.status_code == 302
        assert "event: signed-out" in stream.read_until("event: signed-out")
    finally:
        stream.close()


def _card_viewings(app, tenant_id: int) -> list[tuple]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.scalars(select(RiderDataAccess).order_by(RiderDataAccess.id)).all()
        return [(r.actor_kind, r.actor_name, r.arrival_id, r.rider_code, r.place) for r in rows]


def test_a_card_shown_only_by_the_stream_is_in_the_access_log(duty, fast_stream):
    """PIPL: a guard who neither reloads the list nor acts still saw the rider's card; the
    stream logs it, and the stream of another compound's phone logs nothing."""
    other_guard = duty.site.add_guard("钱保安", compound_id=duty.site.other)
    other = Stream(signed_in_phone(duty.site, other_guard, duty.site.other))
    stream = Stream(duty.phone)
    try:
        stream.read_until("event: city")
        other.read_until("event: city")
        duty.rider(ACTIVE)
        stream.read_until('"outcome":"pending"')
        [card] = stream.messages()
        deadline = time.monotonic() + 5
        while not _card_viewings(duty.app, duty.site.tenant_id) and time.monotonic() < deadline:
            time.sleep(0.1)  # the next heartbeat (0.2 s) writes the log
        other.read_until(": hb\n\n: hb")
    finally:
        stream.close()
        other.close()
    assert _card_viewings(duty.app, duty.site.tenant_id) == [
        ("guard", "赵保安", card["data"]["id"], ACTIVE, "guard_card")
    ]
