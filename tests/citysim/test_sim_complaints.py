"""The simulator's complaint endpoints (contract section 4)."""

import re

import pytest

from tests.factories import complaint_body

PATH = "/api/v1/complaints"


def test_first_receipt_is_201(signed):
    """A new complaint gets 201 with a C+yyyymmdd+6-digit id and status received."""
    response = signed.post_json(PATH, complaint_body(), key="k-1")
    data = response.get_json()
    assert response.status_code == 201
    assert set(data) == {"complaint_id", "status"}
    assert re.fullmatch(r"C\d{8}\d{6}", data["complaint_id"])
    assert data["status"] == "received"


def test_same_key_any_body_is_200_same_answer(signed, sim_client):
    """The same Idempotency-Key again, even with another body, replays the answer."""
    first = signed.post_json(PATH, complaint_body(), key="k-1")
    again = signed.post_json(PATH, complaint_body(description="别的内容", reference="x"), key="k-1")
    complaints = sim_client.get("/_sim/complaints").get_json()["complaints"]
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert len(complaints) == 1
    assert complaints[0]["replays"] == 1


def test_other_key_is_another_complaint(signed, sim_client):
    """A new key makes a new complaint, even for the same reference (the city cannot know)."""
    signed.post_json(PATH, complaint_body(), key="k-1")
    signed.post_json(PATH, complaint_body(), key="k-2")
    state = sim_client.get("/_sim/state").get_json()
    assert (state["complaints"], state["distinct_references"], state["duplicate_references"]) == (
        2,
        1,
        1,
    )


def test_missing_key_is_400(signed):
    """A complaint without Idempotency-Key is refused."""
    response = signed.post_json(PATH, complaint_body())
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"Idempotency-Key"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "noise"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "   "}, "description"),
        ({"description": "快" * 501}, "description"),
        ({"occurred_at": "2026-11-28T11:52:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"reference": ""}, "reference"),
        ({"rider_code": None}, "rider_code"),
        ({"compound": {"address": "x"}}, "compound.name"),
        ({"compound": "阳光花园"}, "compound"),
        ({"reporter": {"name": "李四"}}, "reporter.organisation"),
        ({"gate": {"name": 3}}, "gate.name"),
    ],
)
def test_bad_body_is_400_with_fields(signed, sim_client, changes, field):
    """Each invalid field is named in error.fields and nothing is stored."""
    response = signed.post_json(PATH, complaint_body(**changes), key="k-bad")
    error = response.get_json()["error"]
    assert response.status_code == 400
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {field}
    assert sim_client.get("/_sim/state").get_json()["complaints"] == 0


def test_description_of_500_chars_is_accepted(signed):
    """500 characters is the longest description."""
    response = signed.post_json(PATH, complaint_body(description="快" * 500), key="k-500")
    assert response.status_code == 201


def test_not_json_is_400(signed):
    """A body that is not JSON is refused as invalid."""
    response = signed.post_json(PATH, None, key="k-raw", raw=b"\xff not json")
    assert response.status_code == 400
    assert set(response.get_json()["error"]["fields"]) == {"body"}


def test_rejected_key_can_be_used_again(signed):
    """A 400 stores nothing, so the corrected body with the same key is a first receipt."""
    bad = signed.post_json(PATH, complaint_body(category="noise"), key="k-1")
    good = signed.post_json(PATH, complaint_body(), key="k-1")
    assert (bad.status_code, good.status_code) == (400, 201)


def test_unknown_rider_is_404(signed):
    """A complaint about an unknown rider is 404."""
    response = signed.post_json(PATH, complaint_body(rider_code="XGM000000000000"), key="k-1")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unsigned_complaint_is_401(sim_client):
    """A complaint without signature is refused."""
    response = sim_client.post(PATH, json=complaint_body(), headers={"Idempotency-Key": "k"})
    assert response.status_code == 401


def test_get_complaint_has_history(signed, sim_client):
    """GET returns id, reference, status and the history, which advance extends."""
    complaint_id = signed.post_json(PATH, complaint_body(), key="k-1").get_json()["complaint_id"]
    advanced = sim_client.post(
        f"/_sim/complaints/{complaint_id}/advance",
        json={"status": "forwarded", "note": "已转交美团站点核查"},
    )
    data = signed.get(f"{PATH}/{complaint_id}").get_json()
    assert advanced.status_code == 200
    assert set(data) == {"complaint_id", "reference", "status", "history"}
    assert (data["complaint_id"], data["reference"], data["status"]) == (
        complaint_id,
        "cmp-0001",
        "forwarded",
    )
    assert [(h["status"], h["note"]) for h in data["history"]] == [
        ("received", "城市平台已受理"),
        ("forwarded", "已转交美团站点核查"),
    ]


def test_advance_queues_complaint_webhook(signed, sim_client):
    """Advancing a complaint queues complaint.status_changed with the reference."""
    complaint_id = signed.post_json(PATH, complaint_body(), key="k-1").get_json()["complaint_id"]
    sim_client.post(f"/_sim/complaints/{complaint_id}/advance", json={"status": "investigating"})
    payload = sim_client.get("/_sim/webhooks").get_json()["deliveries"][0]["payload"]
    assert {k: payload[k] for k in ("event", "complaint_id", "reference", "status")} == {
        "event": "complaint.status_changed",
        "complaint_id": complaint_id,
        "reference": "cmp-0001",
        "status": "investigating",
    }
    assert payload["note"] == "配送平台站点正在核查"


def test_unknown_complaint_is_404(signed):
    """GET of an unknown complaint id is 404."""
    assert signed.get(f"{PATH}/C20260101000001").status_code == 404


def test_control_list_shows_key_and_reference(signed, sim_client):
    """GET /_sim/complaints lists each complaint with its key, reference and body."""
    signed.post_json(PATH, complaint_body(), key="key-abc")
    complaints = sim_client.get("/_sim/complaints").get_json()["complaints"]
    assert [(c["idempotency_key"], c["reference"]) for c in complaints] == [("key-abc", "cmp-0001")]
    assert complaints[0]["body"]["compound"]["name"] == "阳光花园"
