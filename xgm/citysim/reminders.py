"""Section 7 of the contract in the simulator: reminders (催办) and evidence photo fetching."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import datetime
from typing import Any

import requests
from flask import Blueprint, Response, request

from xgm.city.errors import BadSignature
from xgm.citysim.app import api_error, check_signature, json_response, sim
from xgm.citysim.state import now_cn

bp = Blueprint("reminders", __name__)

MAX_NOTE = 200
MAX_ATTACHMENTS = 3
IMAGE_TYPES = ("image/jpeg", "image/png")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
#: The simulator never fetches more than this per image (the contract's photos are <= 5 MB).
MAX_FETCH = 8 * 1024 * 1024
CLOSED = ("resolved", "rejected")


def _transient(mode: str | None, plan) -> Response | None:
    """The injected failure of a reminder post, if any (a timeout sleeps, then answers)."""
    if mode == "503":
        return api_error(503, "unavailable", "城市平台繁忙，请稍后重试")
    if mode == "429" and plan is not None:
        return api_error(
            429, "rate_limited", "请求过于频繁", headers={"Retry-After": f"{plan.retry_after:g}"}
        )
    if mode == "timeout" and plan is not None:
        time.sleep(plan.delay)
    return None


def _invalid(fields: dict[str, str]) -> Response:
    first = next(iter(fields.items()))
    return api_error(400, "invalid", f"催办内容有误：{first[0]} {first[1]}", fields=fields)


def validate_reminder(body: Any) -> dict[str, str]:
    """{field: reason} for a reminder body; {} when valid."""
    if not isinstance(body, dict):
        return {"body": "请求体应为 JSON 对象"}
    errors = {}
    note = body.get("note")
    if not isinstance(note, str) or not note.strip() or len(note) > MAX_NOTE:
        errors["note"] = f"必填，1-{MAX_NOTE}个字符"
    at = body.get("at")
    try:
        if not isinstance(at, str) or datetime.fromisoformat(at).tzinfo is None:
            raise ValueError
    except ValueError:
        errors["at"] = "应为带时区的 ISO 8601 时间"
    return errors


@bp.post("/api/v1/complaints/<complaint_id>/reminders")
def post_reminder(complaint_id: str) -> Response:
    """Receive a reminder once per Idempotency-Key; 409 when the complaint is closed."""
    state = sim().state
    with state.lock:
        state.counters["reminder_posts"] += 1
    failed = _transient(*state.draw_failure("reminders"))
    if failed is not None:
        return failed
    try:
        check_signature()
    except BadSignature as exc:
        return api_error(401, "unauthorized", exc.reason)
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return _invalid({"Idempotency-Key": "缺少 Idempotency-Key 请求头"})
    try:
        body = json.loads(request.get_data().decode("utf-8"))
    except ValueError:
        return _invalid({"body": "请求体不是有效的 UTF-8 JSON"})
    with state.lock:
        complaint = state.complaints.get(complaint_id)
        if complaint is None:
            return api_error(404, "not_found", f"投诉 {complaint_id} 不存在")
        answered = state.reminder_keys.get((complaint_id, key))
        if answered is not None:
            state.counters["reminder_replays"] += 1
            return json_response({"complaint_id": complaint_id, "reminders": answered}, 200)
        errors = validate_reminder(body)
        if errors:
            return _invalid(errors)
        if complaint.status in CLOSED:
            state.counters["reminder_closed_409"] += 1
            return api_error(409, "closed", f"投诉 {complaint_id} 已办结，无需催办")
        complaint.reminders.append(
            {
                "idempotency_key": key,
                "note": body["note"],
                "at": body["at"],
                "received_at": now_cn().isoformat(),
            }
        )
        count = len(complaint.reminders)
        state.reminder_keys[(complaint_id, key)] = count
        return json_response({"complaint_id": complaint_id, "reminders": count}, 201)


def validate_attachments(body: dict[str, Any]) -> dict[str, str]:
    """{"attachments": reason} when the attachments list breaks the contract's shape."""
    items = body.get("attachments")
    if items is None:
        return {}
    if not isinstance(items, list) or len(items) > MAX_ATTACHMENTS:
        return {"attachments": f"应为最多{MAX_ATTACHMENTS}项的数组"}
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            return {"attachments": f"第{n + 1}项应为对象"}
        if item.get("content_type") not in IMAGE_TYPES:
            return {"attachments": f"第{n + 1}项 content_type 应为 image/jpeg 或 image/png"}
        if not isinstance(item.get("sha256"), str) or not SHA256_RE.match(item["sha256"]):
            return {"attachments": f"第{n + 1}项 sha256 应为64位十六进制"}
        size = item.get("bytes")
        if not isinstance(size, int) or isinstance(size, bool) or not 0 < size <= MAX_FETCH:
            return {"attachments": f"第{n + 1}项 bytes 无效"}
        url = item.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return {"attachments": f"第{n + 1}项 url 无效"}
    return {}


def fetch_attachments(body: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Fetch each attachment once (no cookie, no signature); (records, errors)."""
    records, errors = [], {}
    for n, item in enumerate(body.get("attachments") or []):
        record = {k: item[k] for k in ("url", "content_type", "sha256", "bytes")}
        try:
            response = requests.get(item["url"], timeout=(2, 10), stream=True)
            data = response.raw.read(MAX_FETCH + 1, decode_content=True)
            status = response.status_code
            response.close()
        except requests.RequestException as exc:
            record.update(fetched=False, error=str(exc)[:200])
            records.append(record)
            errors.setdefault("attachments", f"第{n + 1}项无法获取")
            continue
        digest = hashlib.sha256(data).hexdigest()
        record.update(fetched=status == 200, http_status=status, fetched_sha256=digest)
        records.append(record)
        if status != 200:
            errors.setdefault("attachments", f"第{n + 1}项无法获取（HTTP {status}）")
        elif digest != item["sha256"] or len(data) != item["bytes"]:
            errors.setdefault("attachments", f"第{n + 1}项图片与 sha256 不符")
    return records, errors
