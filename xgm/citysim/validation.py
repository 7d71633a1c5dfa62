"""Validation of complaint bodies as the city platform does it (contract section 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from xgm.city.records import COMPLAINT_CATEGORIES

MAX_DESCRIPTION = 500
MAX_TEXT = 200


def _text(
    errors: dict[str, str], obj: dict[str, Any], key: str, prefix: str, *, required: bool
) -> None:
    """Check one string field of obj, recording a Chinese reason under its dotted name."""
    name = f"{prefix}{key}"
    value = obj.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[name] = "必填"
        return
    if not isinstance(value, str):
        errors[name] = "应为字符串"
    elif len(value) > MAX_TEXT:
        errors[name] = f"不能超过{MAX_TEXT}个字符"


def _section(
    errors: dict[str, str],
    body: dict[str, Any],
    key: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    *,
    section_required: bool = True,
) -> None:
    """Check a nested object such as compound or reporter."""
    value = body.get(key)
    if value is None and not section_required:
        return
    if not isinstance(value, dict):
        errors[key] = "必填，应为对象"
        return
    for field in required:
        _text(errors, value, field, f"{key}.", required=True)
    for field in optional:
        _text(errors, value, field, f"{key}.", required=False)


def validate_complaint(body: Any) -> dict[str, str]:
    """Return {field: reason} for every problem of a complaint body; {} when valid."""
    if not isinstance(body, dict):
        return {"body": "请求体应为 JSON 对象"}
    errors: dict[str, str] = {}
    _text(errors, body, "reference", "", required=True)
    _text(errors, body, "rider_code", "", required=True)
    category = body.get("category")
    if category not in COMPLAINT_CATEGORIES:
        errors["category"] = "类别无效，应为：" + "、".join(COMPLAINT_CATEGORIES)
    description = body.get("description")
    if not isinstance(description, str) or not description.strip():
        errors["description"] = "必填，1-500个字符"
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = f"不能超过{MAX_DESCRIPTION}个字符"
    occurred_at = body.get("occurred_at")
    try:
        if not isinstance(occurred_at, str):
            raise ValueError
        parsed = datetime.fromisoformat(occurred_at)
        if parsed.tzinfo is None:
            raise ValueError
    except ValueError:
        errors["occurred_at"] = "应为带时区的 ISO 8601 时间，如 2026-11-28T11:52:00+08:00"
    _section(errors, body, "compound", ("name",), ("address", "district", "street", "community"))
    _section(errors, body, "gate", ("name",), (), section_required=False)
    _section(errors, body, "reporter", ("organisation", "name"), ("uscc", "role", "phone"))
    return errors
