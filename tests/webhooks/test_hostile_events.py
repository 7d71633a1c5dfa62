"""Hostile bodies and headers on /hooks/city: 400 when signed, 401 when not, never a 500."""

import json
import time

import pytest
from sqlalchemy import func, select

from tenants import unscoped
from xgm.city.signing import signed_headers
from xgm.extensions import db
from xgm.webhooks.models import CityEvent


def _post(client, app, body: bytes, signed: bool = True, **header_overrides):
    headers = {"Content-Type": "application/json"}
    if signed:
        headers.update(
            signed_headers(
                app.config["XGM_CITY_CLIENT_ID"],
                app.config["XGM_CITY_SECRET"],
                "POST",
                "/hooks/city",
                body,
            )
        )
    headers.update(header_overrides)
    return client.post("/hooks/city", data=body, headers=headers)


def _stored(app) -> int:
    with app.app_context(), unscoped():
        return db.session.scalar(select(func.count()).select_from(CityEvent))


DEEP = b'{"event_id": "E1", "event": "x", "n": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
HOSTILE_BODIES = {
    "deeply nested": DEEP,
    "nested 9 deep": json.dumps(
        {"event_id": "E1", "event": "x", "n": [[[[[[[[[1]]]]]]]]]}
    ).encode(),
    "number id": json.dumps({"event_id": 5, "event": "x"}).encode(),
    "list id": json.dumps({"event_id": ["E1"], "event": "x"}).encode(),
    "null event": json.dumps({"event_id": "E1", "event": None}).encode(),
    "NUL in id": json.dumps({"event_id": "E\u0000", "event": "x"}).encode(),
    "NUL in a field": json.dumps({"event_id": "E1", "event": "x", "note": "a\u0000"}).encode(),
    "lone surrogate": b'{"event_id": "E\\ud800", "event": "x"}',
    "object reference": json.dumps(
        {
            "event_id": "E1",
            "event": "complaint.status_changed",
            "reference": {"$ne": 1},
            "status": "forwarded",
        }
    ).encode(),
    "number complaint id": json.dumps(
        {
            "event_id": "E1",
            "event": "complaint.status_changed",
            "complaint_id": 12,
            "status": "forwarded",
        }
    ).encode(),
    "number rider code": json.dumps(
        {"event_id": "E1", "event": "rider.status_changed", "rider_code": 1e308}
    ).encode(),
    "not UTF-8": b'{"event_id": "\xff", "event": "x"}',
    "array": b"[]",
    "empty": b"",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_signed_hostile_bodies_are_400_and_stored_nowhere(app, client, name):
    """Signed by the city but malformed: 400 with a JSON reason, nothing stored."""
    response = _post(client, app, HOSTILE_BODIES[name])
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"] == "invalid"
    assert _stored(app) == 0


@pytest.mark.parametrize("name", sorted(HOSTILE_BODIES))
def test_unsigned_hostile_bodies_are_401(app, client, name):
    """The same bodies unsigned: 401 before the body is even parsed."""
    assert _post(client, app, HOSTILE_BODIES[name], signed=False).status_code == 401


@pytest.mark.parametrize(
    "timestamp",
    ["--5", "-", "1e9", "１７００００００００", "9" * 5000, "0x10", " ", "17 00", "+1700000000"],
)
def test_malformed_timestamps_are_401(app, client, timestamp):
    """X-City-Timestamp that is no clock: 401 "malformed timestamp", never a 500."""
    body = json.dumps({"event_id": "E1", "event": "x"}).encode()
    response = _post(client, app, body, **{"X-City-Timestamp": timestamp})
    assert response.status_code == 401
    assert response.get_json()["message"] == "malformed timestamp"


def test_a_well_formed_event_is_still_stored(app, client):
    """The checks leave the contract's events alone."""
    body = json.dumps(
        {
            "event_id": "E9",
            "event": "rider.status_changed",
            "rider_code": "XGM1",
            "status": "revoked",
            "at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"),
        }
    ).encode()
    assert _post(client, app, body).status_code == 200
    assert _stored(app) == 1
