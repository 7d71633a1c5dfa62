"""Rider cards: parsing the contract's JSON, admission rules, caching round trip."""

import json
from datetime import date

import pytest

from xgm.city.records import RiderCard

EXAMPLE = {
    "rider_code": "XGM330122000123",
    "name": "王小明",
    "phone": "13800001234",
    "photo_url": "http://127.0.0.1:5055/photos/XGM330122000123.jpg",
    "platform": {"code": "meituan", "name": "美团外卖"},
    "station": "桐庐城南站",
    "team": "城南二队",
    "supervision_phone": "0571-64610000",
    "status": "active",
    "valid_until": "2027-06-30",
    "updated_at": "2026-11-28T09:00:00+08:00",
}


def card(**changes) -> RiderCard:
    """Return the contract's example card with changes applied."""
    return RiderCard.from_api({**EXAMPLE, **changes})


def test_from_api_reads_the_contract_example():
    """Every field of the contract's example lands in the card."""
    assert card() == RiderCard(
        rider_code="XGM330122000123",
        name="王小明",
        phone="13800001234",
        photo_url="http://127.0.0.1:5055/photos/XGM330122000123.jpg",
        platform_code="meituan",
        platform_name="美团外卖",
        station="桐庐城南站",
        team="城南二队",
        supervision_phone="0571-64610000",
        status="active",
        valid_until=date(2027, 6, 30),
        updated_at="2026-11-28T09:00:00+08:00",
    )


@pytest.mark.parametrize(
    ("status", "valid_until", "admissible", "shown"),
    [
        ("active", "2027-06-30", True, "active"),
        ("active", "2026-11-28", True, "active"),
        ("active", "2026-11-27", False, "expired"),
        ("active", None, True, "active"),
        ("suspended", "2027-06-30", False, "suspended"),
        ("revoked", "2027-06-30", False, "revoked"),
        ("revoked", "2020-01-01", False, "revoked"),
    ],
)
def test_admission_rules(status, valid_until, admissible, shown):
    """Only active riders whose valid_until is not in the past are admissible."""
    today = date(2026, 11, 28)
    rider = card(status=status, valid_until=valid_until)
    assert rider.is_admissible(today) is admissible
    assert rider.effective_status(today) == shown


def test_dict_round_trip_through_json():
    """to_dict() is JSON-serialisable and from_dict() restores the same card."""
    original = card()
    restored = RiderCard.from_dict(json.loads(json.dumps(original.to_dict())))
    assert restored == original
    assert original.to_dict()["valid_until"] == "2027-06-30"


DROP = object()


@pytest.mark.parametrize(
    ("key", "value"),
    [("platform", None), ("status", 3), ("valid_until", "soon"), ("name", DROP)],
)
def test_malformed_api_json_raises(key, value):
    """Malformed rider JSON raises a TypeError/ValueError/KeyError for the client to map."""
    data = dict(EXAMPLE)
    if value is DROP:
        del data[key]
    else:
        data[key] = value
    with pytest.raises((KeyError, TypeError, ValueError)):
        RiderCard.from_api(data)
