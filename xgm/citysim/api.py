"""Signed server-to-server API of the simulator: riders and complaints (sections 3, 4)."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, abort, request

from xgm.city.errors import BadSignature
from xgm.citysim.app import api_error, check_signature, json_response, sim
from xgm.citysim.photos import render_photo
from xgm.citysim.reminders import fetch_attachments, validate_attachments
from xgm.citysim.state import Complaint, now_cn
from xgm.citysim.validation import validate_complaint

bp = Blueprint("api", __name__)


@bp.before_request
def city_down() -> Response | None:
    """Answer 503 to every API call while the city is 'down'."""
    state = sim().state
    if state.down and request.path.startswith("/api/"):
        with state.lock:
            state.counters["down_503"] += 1
            delay = state.down_delay
        if delay:
            time.sleep(delay)
        return api_error(503, "unavailable", "城市平台暂时不可用")
    return None


def _unauthorized(exc: BadSignature) -> Response:
    """Return the 401 answer for a refused signature."""
    state = sim().state
    with state.lock:
        state.counters["unauthorized"] += 1
    return api_error(401, "unauthorized", exc.reason)


@bp.get("/api/v1/riders/<rider_code>")
def get_rider(rider_code: str) -> Response:
    """Return a rider's card (signed request)."""
    try:
        check_signature()
    except BadSignature as exc:
        return _unauthorized(exc)
    current = sim()
    with current.state.lock:
        current.state.counters["rider_lookups"] += 1
        rider = current.state.riders.get(rider_code)
        data = rider.to_api(current.photo_base()) if rider else None
    if data is None:
        return api_error(404, "not_found", f"骑手 {rider_code} 不存在")
    return json_response(data)


@bp.get("/photos/<rider_code>.jpg")
def photo(rider_code: str) -> Response:
    """Serve a rider's photo (unsigned, cacheable)."""
    state = sim().state
    with state.lock:
        rider = state.riders.get(rider_code)
        name = rider.name if rider else None
    if name is None:
        abort(404)
    response = Response(render_photo(rider_code, name), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.post("/api/v1/complaints")
def post_complaint() -> Response:
    """Receive a complaint once per Idempotency-Key (signed request)."""
    state = sim().state
    with state.lock:
        state.counters["complaint_posts"] += 1
    mode, plan = state.draw_failure()
    if mode == "503":
        return api_error(503, "unavailable", "城市平台繁忙，请稍后重试")
    if mode == "429" and plan is not None:
        return api_error(
            429, "rate_limited", "请求过于频繁", headers={"Retry-After": f"{plan.retry_after:g}"}
        )
    if mode == "timeout" and plan is not None:
        time.sleep(plan.delay)
    try:
        check_signature()
    except BadSignature as exc:
        return _unauthorized(exc)
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return _invalid({"Idempotency-Key": "缺少 Idempotency-Key 请求头"})
    replay = _replay(key)
    if replay is not None:
        return replay
    try:
        body = json.loads(request.get_data().decode("utf-8"))
    except ValueError:
        return _invalid({"body": "请求体不是有效的 UTF-8 JSON"})
    errors = validate_complaint(body)
    if isinstance(body, dict):
        errors.update(validate_attachments(body))
    if errors:
        return _invalid(errors)
    fetched, errors = fetch_attachments(body)  # section 7: each image fetched once
    if errors:
        return _invalid(errors)
    with state.lock:
        replay = _replay(key)  # a concurrent post with the same key may have won
        if replay is not None:
            return replay
        if body["rider_code"] not in state.riders:
            state.counters["unknown_rider_404"] += 1
            return api_error(404, "not_found", f"骑手 {body['rider_code']} 不存在")
        received_at = now_cn()
        complaint = Complaint(
            complaint_id=state.next_complaint_id(received_at),
            idempotency_key=key,
            reference=body["reference"],
            rider_code=body["rider_code"],
            category=body["category"],
            body=body,
            received_at=received_at,
            request_id=request.headers.get("X-Request-ID", "")[:64],
            history=[
                {"status": "received", "note": "城市平台已受理", "at": received_at.isoformat()}
            ],
            attachments=fetched,
        )
        state.complaints[complaint.complaint_id] = complaint
        state.by_key[key] = complaint.complaint_id
        state.counters["complaints_created"] += 1
        return json_response(complaint.answer(), 201)


def _replay(key: str) -> Response | None:
    """Return the 200 replay answer when this Idempotency-Key was already received."""
    state = sim().state
    with state.lock:
        complaint_id = state.by_key.get(key)
        if complaint_id is None:
            return None
        complaint = state.complaints[complaint_id]
        complaint.replays += 1
        state.counters["idempotent_replays"] += 1
        return json_response(complaint.answer(), 200)


def _invalid(fields: dict[str, str]) -> Response:
    """Return the contract's 400 answer for a bad complaint."""
    state = sim().state
    with state.lock:
        state.counters["invalid_400"] += 1
    first = next(iter(fields.items()))
    return api_error(400, "invalid", f"投诉内容有误：{first[0]} {first[1]}", fields=fields)


@bp.get("/api/v1/complaints/<complaint_id>")
def get_complaint(complaint_id: str) -> Response:
    """Return a complaint's status and history (signed request)."""
    try:
        check_signature()
    except BadSignature as exc:
        return _unauthorized(exc)
    state = sim().state
    with state.lock:
        complaint = state.complaints.get(complaint_id)
        data = complaint.to_api() if complaint else None
    if data is None:
        return api_error(404, "not_found", f"投诉 {complaint_id} 不存在")
    return json_response(data)
