"""Helpers shared by the simulator and city client tests: config, signed requests, bodies."""

import json

from tests.factories.city import CLIENT_ID, PUBLIC_URL, SECRET
from xgm.city.signing import signed_headers


def sim_config(**extra) -> dict:
    """Return the simulator configuration of these tests (webhooks recorded, not sent)."""
    config = {
        "XGM_CITY_CLIENT_ID": CLIENT_ID,
        "XGM_CITY_SECRET": SECRET,
        "XGM_PUBLIC_URL": PUBLIC_URL,
        "CITYSIM_BASE_URL": "http://city.test",
        "CITYSIM_WEBHOOKS": False,
    }
    config.update(extra)
    return config


class Signed:
    """Sends requests signed as xgm would, through the simulator's test client."""

    def __init__(self, client, secret: str = SECRET, client_id: str = CLIENT_ID):
        self.client = client
        self.secret = secret
        self.client_id = client_id

    def get(self, path: str, **kwargs):
        """GET path, signed."""
        headers = signed_headers(self.client_id, self.secret, "GET", path, b"", **kwargs)
        return self.client.get(path, headers=headers)

    def post_json(self, path: str, payload, key: str | None = None, raw: bytes | None = None):
        """POST a JSON body, signed, with an optional Idempotency-Key."""
        body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
        headers = signed_headers(self.client_id, self.secret, "POST", path, body)
        headers["Content-Type"] = "application/json; charset=utf-8"
        if key is not None:
            headers["Idempotency-Key"] = key
        return self.client.post(path, data=body, headers=headers)


def complaint_body(**changes) -> dict:
    """Return a valid complaint body (the contract's example), with changes applied."""
    body = {
        "reference": "cmp-0001",
        "rider_code": "XGM330122000123",
        "category": "unsafe_riding",
        "description": "在小区内逆行超速，险些撞到老人",
        "occurred_at": "2026-11-28T11:52:00+08:00",
        "compound": {
            "name": "阳光花园",
            "address": "桐庐县迎春南路1号",
            "district": "桐庐县",
            "street": "城南街道",
            "community": "阳光社区",
        },
        "gate": {"name": "东门"},
        "reporter": {
            "organisation": "桐庐安居物业服务有限公司",
            "uscc": "91330122MA2XXXXXXX",
            "name": "李四",
            "role": "guard",
            "phone": "13900002222",
        },
    }
    body.update(changes)
    return body
