"""Webhooks from a real simulator process to a receiver: signed, retried, resendable."""

import json
import time

from tests.factories import CLIENT_ID, SECRET, WEBHOOK_MAX_ATTEMPTS, complaint_body, control
from xgm.city.signing import MemoryNonceStore, verify
from xgm.citysim import seed


def wait_delivery(sim: str, state: str, timeout: float = 5.0) -> dict:
    """Wait until the newest webhook delivery reaches `state`; return it."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries = control(sim, "GET", "/_sim/webhooks")["deliveries"]
        if deliveries and deliveries[0]["state"] == state:
            return deliveries[0]
        assert time.monotonic() < deadline, deliveries
        time.sleep(0.05)


def test_status_change_is_delivered_signed(sim, receiver):
    """rider.status_changed reaches /hooks/city and passes verify()."""
    answer = control(
        sim, "POST", f"/_sim/riders/{seed.SEED_ACTIVE}/status", {"status": "suspended"}
    )
    [hit] = receiver.wait_for(1)
    verify(
        SECRET,
        hit["headers"],
        "POST",
        hit["path"],
        hit["body"],
        time.time(),
        MemoryNonceStore(),
        client_id=CLIENT_ID,
    )
    event = json.loads(hit["body"])
    assert (hit["method"], hit["path"]) == ("POST", "/hooks/city")
    assert set(event) == {"event_id", "event", "rider_code", "status", "at"}
    assert event["event_id"] == answer["event_id"]
    assert (event["event"], event["rider_code"], event["status"]) == (
        "rider.status_changed",
        seed.SEED_ACTIVE,
        "suspended",
    )
    assert wait_delivery(sim, "delivered")["attempts"] == 1


def test_non_2xx_is_retried(sim, receiver):
    """Two 500s from xgm are retried until the 200; the event_id stays, the nonce changes."""
    receiver.statuses.extend([500, 500])
    control(sim, "POST", f"/_sim/riders/{seed.SEED_ACTIVE}/status", {"status": "revoked"})
    hits = receiver.wait_for(3)
    delivery = wait_delivery(sim, "delivered")
    assert len({json.loads(h["body"])["event_id"] for h in hits}) == 1
    assert len({h["headers"]["X-City-Nonce"] for h in hits}) == 3
    assert (delivery["attempts"], delivery["last_status"]) == (3, 200)


def test_gives_up_after_max_attempts(sim, receiver):
    """A receiver that keeps failing is tried max_attempts times, then the delivery fails."""
    receiver.statuses.extend([503] * WEBHOOK_MAX_ATTEMPTS)
    control(sim, "POST", f"/_sim/riders/{seed.SEED_ACTIVE}/status", {"status": "revoked"})
    delivery = wait_delivery(sim, "failed")
    assert (delivery["attempts"], delivery["last_status"]) == (WEBHOOK_MAX_ATTEMPTS, 503)
    assert len(receiver.wait_for(WEBHOOK_MAX_ATTEMPTS)) == WEBHOOK_MAX_ATTEMPTS


def test_resend_delivers_the_same_event_again(sim, receiver):
    """Resend posts the same event (same event_id and body) a second time."""
    event_id = control(
        sim, "POST", f"/_sim/riders/{seed.SEED_ACTIVE}/status", {"status": "suspended"}
    )["event_id"]
    receiver.wait_for(1)
    control(sim, "POST", f"/_sim/webhooks/{event_id}/resend")
    first, second = receiver.wait_for(2)
    assert first["body"] == second["body"]
    assert json.loads(second["body"])["event_id"] == event_id


def test_complaint_progress_is_delivered(sim, receiver, city):
    """Advancing a complaint sends complaint.status_changed with reference and note."""
    receipt = city.post_complaint(complaint_body(), "key-hook")
    control(
        sim,
        "POST",
        f"/_sim/complaints/{receipt.complaint_id}/advance",
        {"status": "investigating", "note": "已转交美团站点核查"},
    )
    [hit] = receiver.wait_for(1)
    event = json.loads(hit["body"])
    assert {k: v for k, v in event.items() if k not in ("event_id", "at")} == {
        "event": "complaint.status_changed",
        "complaint_id": receipt.complaint_id,
        "reference": "cmp-0001",
        "status": "investigating",
        "note": "已转交美团站点核查",
    }
