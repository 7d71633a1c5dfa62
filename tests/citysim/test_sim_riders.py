"""The simulator's rider lookup, photos, seed data and rider controls (contract section 3)."""

from datetime import date, datetime, timedelta

import pytest

from tests.factories import Signed
from xgm.citysim import seed

CONTRACT_KEYS = {
    "rider_code",
    "name",
    "phone",
    "photo_url",
    "platform",
    "station",
    "team",
    "supervision_phone",
    "status",
    "valid_until",
    "updated_at",
}


def test_rider_lookup_answers_the_contract(signed):
    """A signed lookup returns exactly the contract's fields for the example rider."""
    response = signed.get("/api/v1/riders/XGM330122000123")
    data = response.get_json()
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert set(data) == CONTRACT_KEYS
    assert data["name"] == "王小明"
    assert data["platform"] == {"code": "meituan", "name": "美团外卖"}
    assert data["photo_url"] == "http://city.test/photos/XGM330122000123.jpg"
    assert (data["station"], data["team"]) == ("桐庐城南站", "城南二队")
    assert data["supervision_phone"] == "0571-64610000"
    assert datetime.fromisoformat(data["updated_at"]).utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("code", "status", "past"),
    [
        (seed.SEED_ACTIVE, "active", False),
        (seed.SEED_SUSPENDED, "suspended", False),
        (seed.SEED_REVOKED, "revoked", False),
        (seed.SEED_EXPIRED, "active", True),
    ],
)
def test_seed_rider_per_status(signed, code, status, past):
    """Each well-known seed rider has its status; the expired one is active but out of date."""
    data = signed.get(f"/api/v1/riders/{code}").get_json()
    assert data["status"] == status
    assert (date.fromisoformat(data["valid_until"]) < date.today()) is past


def test_seed_covers_platforms_and_statuses():
    """The seed has 16 riders on all five platforms, in every status including expired."""
    riders = seed.seed_riders(date(2026, 11, 28))
    shown = {r.shown_status(date(2026, 11, 28)) for r in riders}
    assert len(riders) == 16
    assert {r.platform_code for r in riders} == set(seed.PLATFORMS)
    assert shown == {"active", "suspended", "revoked", "expired"}


def test_unknown_rider_is_404(signed):
    """An unknown rider code gives 404 with the contract's error shape."""
    response = signed.get("/api/v1/riders/XGM000000000000")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unsigned_lookup_is_401(sim_client):
    """A lookup without the X-City headers is refused."""
    response = sim_client.get("/api/v1/riders/XGM330122000123")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_wrong_secret_is_401(sim_client):
    """A lookup signed with another secret is refused."""
    response = Signed(sim_client, secret="wrong").get("/api/v1/riders/XGM330122000123")
    assert response.status_code == 401


def test_replayed_nonce_is_401(signed):
    """The same signed request sent twice is refused the second time."""
    first = signed.get("/api/v1/riders/XGM330122000123", nonce="n" * 20)
    second = signed.get("/api/v1/riders/XGM330122000123", nonce="n" * 20)
    assert (first.status_code, second.status_code) == (200, 401)
    assert second.get_json()["error"]["message"] == "nonce already used"


def test_photo_is_served_unsigned(sim_client):
    """A rider's photo is a JPEG anyone can fetch."""
    response = sim_client.get("/photos/XGM330122000123.jpg")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data[:3] == b"\xff\xd8\xff"


def test_unknown_photo_is_404(sim_client):
    """No photo for an unknown rider."""
    assert sim_client.get("/photos/XGM000000000000.jpg").status_code == 404


def test_bulk_riders_are_deterministic(sim_client, signed):
    """POST /_sim/riders {count, prefix} creates active riders numbered from 1."""
    response = sim_client.post("/_sim/riders", json={"count": 3, "prefix": "XGMSIM"})
    assert response.get_json() == {
        "created": 3,
        "codes": ["XGMSIM000001", "XGMSIM000002", "XGMSIM000003"],
    }
    data = signed.get("/api/v1/riders/XGMSIM000003").get_json()
    assert data["status"] == "active"
    assert sim_client.get("/_sim/state").get_json()["riders"] == 19


def test_upsert_specific_rider(sim_client, signed):
    """POST /_sim/riders {riders: [...]} creates or replaces the given riders."""
    rider = {
        "rider_code": "XGM330122009999",
        "name": "欧阳娜娜",
        "platform": {"code": "sf", "name": "顺丰同城"},
        "status": "suspended",
        "valid_until": "2030-01-31",
    }
    response = sim_client.post("/_sim/riders", json={"riders": [rider]})
    data = signed.get("/api/v1/riders/XGM330122009999").get_json()
    assert response.get_json() == {"upserted": 1, "codes": ["XGM330122009999"]}
    assert (data["name"], data["status"], data["valid_until"]) == (
        "欧阳娜娜",
        "suspended",
        "2030-01-31",
    )


def test_bad_bulk_request_is_400(sim_client):
    """A bulk request without a positive count is refused."""
    response = sim_client.post("/_sim/riders", json={"count": 0})
    assert response.status_code == 400


def test_status_change_updates_and_queues_webhook(sim_client, signed):
    """Changing a rider's status shows in lookups and queues rider.status_changed."""
    response = sim_client.post("/_sim/riders/XGM330122000123/status", json={"status": "revoked"})
    event_id = response.get_json()["event_id"]
    deliveries = sim_client.get("/_sim/webhooks").get_json()["deliveries"]
    assert signed.get("/api/v1/riders/XGM330122000123").get_json()["status"] == "revoked"
    assert len(deliveries) == 1
    payload = deliveries[0]["payload"]
    assert payload["event_id"] == event_id and event_id.startswith("E")
    assert (payload["event"], payload["rider_code"], payload["status"]) == (
        "rider.status_changed",
        "XGM330122000123",
        "revoked",
    )
    assert deliveries[0]["state"] == "held"


def test_status_change_rejects_unknown_status(sim_client):
    """Only active, suspended and revoked are statuses."""
    response = sim_client.post("/_sim/riders/XGM330122000123/status", json={"status": "gone"})
    assert response.status_code == 400


def test_status_change_unknown_rider_is_404(sim_client):
    """Changing an unknown rider's status is 404."""
    response = sim_client.post("/_sim/riders/XGM0/status", json={"status": "revoked"})
    assert response.status_code == 404
