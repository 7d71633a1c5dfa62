"""Unsigned controls of the simulator (/_sim): failures, statuses, webhooks, bulk riders."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request

from xgm.city.records import RIDER_STATUSES
from xgm.citysim.app import json_response, sim
from xgm.citysim.seed import PLATFORMS, bulk_rider
from xgm.citysim.state import FAIL_MODES, FailurePlan, Rider, now_cn

bp = Blueprint("control", __name__, url_prefix="/_sim")

ADVANCE_STATUSES = ("forwarded", "investigating", "resolved", "rejected")
DEFAULT_NOTES = {
    "forwarded": "已转交配送平台及属地监管单位",
    "investigating": "配送平台站点正在核查",
    "resolved": "经核查属实，已对骑手进行教育处理",
    "rejected": "经核查不属实，不予处理",
}
MAX_BULK = 100_000


class ControlError(ValueError):
    """A bad control request, answered 400."""


def _input() -> dict[str, Any]:
    """Return the request's JSON object or form fields."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ControlError("body must be a JSON object")
        return data
    return request.form.to_dict()


def _answer(data: dict[str, Any], status: int = 200) -> Response:
    """Answer JSON to scripts and redirect forms back to the control page."""
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return redirect("/_sim", code=303)
    return json_response(data, status)


@bp.errorhandler(ControlError)
def bad_control(exc: ControlError) -> Response:
    """Answer 400 with the reason for a bad control request."""
    return json_response({"error": {"code": "invalid", "message": str(exc)}}, 400)


def _number(data: dict[str, Any], key: str, default: float, kind: type = float) -> Any:
    """Read a non-negative number from control input."""
    raw = data.get(key, default)
    if raw in ("", None):
        raw = default
    try:
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise ControlError(f"{key} must be a number") from exc
    if value < 0:
        raise ControlError(f"{key} must not be negative")
    return value


def _flag(value: Any) -> bool:
    """Read a boolean from JSON or a form field."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


@bp.get("")
def page() -> str:
    """Show riders, complaints, webhook deliveries and the control buttons."""
    current = sim()
    state = current.state
    today = now_cn().date()
    with state.lock:
        riders = [(r, r.shown_status(today)) for r in state.riders.values() if not r.bulk]
        bulk = len(state.riders) - len(riders)
        complaints = [c.to_control() for c in reversed(state.complaints.values())]
    return render_template(
        "citysim/control.html",
        summary=state.summary(),
        riders=riders,
        bulk=bulk,
        complaints=complaints,
        deliveries=current.webhooks.snapshot(),
        webhook_counts=current.webhooks.counts(),
        webhook_url=current.webhooks.url,
        statuses=RIDER_STATUSES,
        advance_statuses=ADVANCE_STATUSES,
    )


@bp.get("/state")
def state_json() -> Response:
    """Return the simulator's counters."""
    current = sim()
    return json_response({**current.state.summary(), "webhooks": current.webhooks.counts()})


@bp.post("/reset")
def reset() -> Response:
    """Return to the seed state and forget every webhook."""
    current = sim()
    current.state.reset()
    current.webhooks.reset()
    current.nonces.clear()
    return _answer({"reset": True})


@bp.post("/down")
def down() -> Response:
    """Take the whole city API and token exchange down (503, after `delay` seconds: a city
    that times out) or bring them back."""
    data = _input()
    delay = _number(data, "delay", 0.0)
    state = sim().state
    with state.lock:
        state.down = _flag(data.get("down", True))
        state.down_delay = delay if state.down else 0.0
        is_down = state.down
    return _answer({"down": is_down, "delay": state.down_delay})


@bp.post("/fail")
def fail() -> Response:
    """Make the next N complaint (or, target=reminders, reminder) posts fail: 503, 429, timeout,
    a random mix, or none."""
    data = _input()
    mode = str(data.get("mode", "")).strip()
    count = _number(data, "count", 1, int)
    target = str(data.get("target") or "complaints").strip()
    if target not in ("complaints", "reminders"):
        raise ControlError("target must be complaints or reminders")
    attribute = "reminder_plan" if target == "reminders" else "plan"
    state = sim().state
    if mode in ("none", "off", "") or count == 0:
        with state.lock:
            setattr(state, attribute, None)
        return _answer({"fail": None, "target": target})
    if mode not in (*FAIL_MODES, "mix"):
        raise ControlError("mode must be 503, 429, timeout, mix or none")
    plan = FailurePlan(
        mode=mode,
        remaining=count,
        retry_after=_number(data, "retry_after", 1.0),
        delay=_number(data, "delay", 8.0),
        p503=_number(data, "p503", 0.0),
        p429=_number(data, "p429", 0.0),
        ptimeout=_number(data, "ptimeout", 0.0),
        rng=random.Random(data.get("seed")),
    )
    if plan.p503 + plan.p429 + plan.ptimeout > 1:
        raise ControlError("p503 + p429 + ptimeout must not exceed 1")
    with state.lock:
        setattr(state, attribute, plan)
    return _answer({"fail": plan.to_dict(), "target": target})


@bp.get("/riders")
def riders_json() -> Response:
    """Return every rider as the API would."""
    current = sim()
    with current.state.lock:
        riders = [r.to_api(current.photo_base()) for r in current.state.riders.values()]
    return json_response({"riders": riders})


@bp.post("/riders")
def riders() -> Response:
    """Create N deterministic active riders, or upsert the given ones."""
    data = _input()
    state = sim().state
    today = now_cn().date()
    if "riders" in data:
        given = data["riders"]
        if not isinstance(given, list):
            raise ControlError("riders must be a list")
        built = [_rider_from(item, today) for item in given]
        with state.lock:
            for rider in built:
                state.riders[rider.rider_code] = rider
        return _answer({"upserted": len(built), "codes": [r.rider_code for r in built]})
    count = _number(data, "count", 0, int)
    if not 0 < count <= MAX_BULK:
        raise ControlError(f"count must be between 1 and {MAX_BULK}")
    prefix = str(data.get("prefix") or "XGMSIM")
    start = _number(data, "start", 1, int)
    width = _number(data, "width", 6, int)
    built = [bulk_rider(prefix, n, width, today) for n in range(start, start + count)]
    with state.lock:
        for rider in built:
            state.riders[rider.rider_code] = rider
    return _answer({"created": len(built), "codes": [r.rider_code for r in built]})


def _rider_from(item: Any, today: date) -> Rider:
    """Build a rider from a contract-shaped JSON object."""
    if not isinstance(item, dict) or not item.get("rider_code") or not item.get("name"):
        raise ControlError("each rider needs rider_code and name")
    platform = item.get("platform") or {}
    code = platform.get("code") if isinstance(platform, dict) else None
    code = code or item.get("platform_code") or "meituan"
    name = (platform.get("name") if isinstance(platform, dict) else None) or PLATFORMS.get(
        code, code
    )
    status = item.get("status", "active")
    if status not in RIDER_STATUSES:
        raise ControlError(f"status must be one of {', '.join(RIDER_STATUSES)}")
    try:
        valid_until = (
            date.fromisoformat(item["valid_until"])
            if item.get("valid_until")
            else today + timedelta(days=365)
        )
    except (TypeError, ValueError) as exc:
        raise ControlError("valid_until must be YYYY-MM-DD") from exc
    return Rider(
        rider_code=str(item["rider_code"]),
        name=str(item["name"]),
        phone=str(item.get("phone", "13900000000")),
        platform_code=str(code),
        platform_name=str(name),
        station=str(item.get("station", "桐庐城南站")),
        team=str(item.get("team", "城南一队")),
        supervision_phone=str(item.get("supervision_phone", "0571-64610000")),
        status=status,
        valid_until=valid_until,
        updated_at=now_cn(),
        bulk=_flag(item.get("bulk", False)),
    )


@bp.post("/riders/<rider_code>/status")
def rider_status(rider_code: str) -> Response:
    """Change a rider's status (and optionally valid_until); sends rider.status_changed."""
    data = _input()
    status = data.get("status")
    if status not in RIDER_STATUSES:
        raise ControlError(f"status must be one of {', '.join(RIDER_STATUSES)}")
    current = sim()
    with current.state.lock:
        rider = current.state.riders.get(rider_code)
        if rider is None:
            return json_response({"error": {"code": "not_found", "message": rider_code}}, 404)
        if data.get("valid_until"):
            try:
                rider.valid_until = date.fromisoformat(data["valid_until"])
            except (TypeError, ValueError) as exc:
                raise ControlError("valid_until must be YYYY-MM-DD") from exc
        rider.status = status
        rider.updated_at = now_cn()
        at = rider.updated_at.isoformat()
    event = current.webhooks.emit(
        "rider.status_changed", rider_code=rider_code, status=status, at=at
    )
    return _answer({"rider_code": rider_code, "status": status, "event_id": event["event_id"]})


@bp.get("/complaints")
def complaints_json() -> Response:
    """Return every complaint received, oldest first, with its idempotency key."""
    state = sim().state
    with state.lock:
        complaints = [c.to_control() for c in state.complaints.values()]
    return json_response({"complaints": complaints})


@bp.post("/complaints/<complaint_id>/advance")
def advance(complaint_id: str) -> Response:
    """Move a complaint on; sends complaint.status_changed."""
    data = _input()
    status = data.get("status")
    if status not in ADVANCE_STATUSES:
        raise ControlError(f"status must be one of {', '.join(ADVANCE_STATUSES)}")
    note = str(data.get("note") or DEFAULT_NOTES[status])
    current = sim()
    with current.state.lock:
        complaint = current.state.complaints.get(complaint_id)
        if complaint is None:
            return json_response({"error": {"code": "not_found", "message": complaint_id}}, 404)
        at = now_cn().isoformat()
        complaint.status = status
        complaint.history.append({"status": status, "note": note, "at": at})
        reference = complaint.reference
    event = current.webhooks.emit(
        "complaint.status_changed",
        complaint_id=complaint_id,
        reference=reference,
        status=status,
        note=note,
        at=at,
    )
    return _answer({"complaint_id": complaint_id, "status": status, "event_id": event["event_id"]})


@bp.get("/webhooks")
def webhooks_json() -> Response:
    """Return every webhook delivery, newest first."""
    current = sim()
    return json_response(
        {"deliveries": current.webhooks.snapshot(), "counts": current.webhooks.counts()}
    )


@bp.post("/webhooks/<event_id>/resend")
def resend(event_id: str) -> Response:
    """Deliver an event again, same event_id (duplicate testing)."""
    delivery = sim().webhooks.resend(event_id)
    if delivery is None:
        return json_response({"error": {"code": "not_found", "message": event_id}}, 404)
    return _answer({"event_id": event_id, "delivery_id": delivery.delivery_id})


MAX_REPLY = 500


@bp.post("/complaints/<complaint_id>/reply")
def reply(complaint_id: str) -> Response:
    """Forward a rider's reply to a complaint; sends complaint.rider_replied (section 7)."""
    data = _input()
    text = str(data.get("reply") or "").strip()
    if not 0 < len(text) <= MAX_REPLY:
        raise ControlError(f"reply must be 1-{MAX_REPLY} characters")
    current = sim()
    with current.state.lock:
        complaint = current.state.complaints.get(complaint_id)
        if complaint is None:
            return json_response({"error": {"code": "not_found", "message": complaint_id}}, 404)
        at = now_cn().isoformat()
        complaint.replies.append({"reply": text, "at": at})
        reference = complaint.reference
    event = current.webhooks.emit(
        "complaint.rider_replied",
        complaint_id=complaint_id,
        reference=reference,
        reply=text,
        at=at,
    )
    return _answer({"complaint_id": complaint_id, "event_id": event["event_id"]})
