"""The complaint body the city platform receives (contract section 4), frozen as JSON text."""

import json
from datetime import UTC, datetime
from typing import Any

from chinatime import CN_TZ


def iso_cn(when: datetime) -> str:
    """A naive-UTC time as ISO 8601 in China time with its offset (2026-11-28T11:52:00+08:00)."""
    return when.replace(tzinfo=UTC).astimezone(CN_TZ).isoformat(timespec="seconds")


def build_payload(
    *,
    reference: str,
    rider_code: str,
    category: str,
    description: str,
    occurred_at: datetime,
    compound,
    gate,
    tenant,
    reporter_name: str,
    reporter_role: str,
    reporter_phone: str,
) -> dict[str, Any]:
    """The contract's complaint body from our objects (compound, gate and tenant snapshots)."""
    body: dict[str, Any] = {
        "reference": reference,
        "rider_code": rider_code,
        "category": category,
        "description": description,
        "occurred_at": iso_cn(occurred_at),
        "compound": {
            "name": compound.name,
            "address": compound.address or "",
            "district": compound.district or "",
            "street": compound.street or "",
            "community": compound.community or "",
        },
        "reporter": {
            "organisation": tenant.name,
            "uscc": tenant.uscc,
            "name": reporter_name,
            "role": reporter_role,
            "phone": reporter_phone or "",
        },
    }
    if gate is not None:
        body["gate"] = {"name": gate.name}
    return body


def encode(payload: dict[str, Any]) -> str:
    """Canonical JSON text of a body: equal bodies give equal text (the resend key rule)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
