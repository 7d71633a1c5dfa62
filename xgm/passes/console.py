"""The guard console's live arrivals: the JSON list, the SSE stream, admit and deny."""

from __future__ import annotations

from datetime import timedelta

import redis
from flask import (
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import or_, select

from tenants import Tenant, tenant_context, utcnow
from xgm.devices.models import Device
from xgm.errors import render_error
from xgm.extensions import db
from xgm.guards.access import (
    current_device,
    current_guard,
    current_guard_session,
    guard_get_or_404,
    guard_required,
)
from xgm.guards.models import Guard, GuardSession
from xgm.guards.recheck import recheck_channel
from xgm.passes import bp
from xgm.passes.barrier import open_for
from xgm.passes.decisions import NotPending, block_from_deny, decide
from xgm.passes.feed import arrival_json, channel, channel_pattern, feed_key
from xgm.passes.flags import card_flags
from xgm.passes.forms import DenyForm
from xgm.passes.hub import get_hub
from xgm.passes.models import Arrival
from xgm.passes.scanning import expire_stale
from xgm.passes.stream import StreamSpec, events, valid_event_id
from xgm.passes.waiting import mark_due
from xgm.privacy import log_access, shows_rider_data
from xgm.privacy.viewings import card_rows, viewing_buffer
from xgm.queues import get_redis
from xgm.riders.city import to_cn_iso
from xgm.riders.link import watch_city

#: The console lists the arrivals of the last shift at most.
LIST_WINDOW = timedelta(hours=12)
LIST_LIMIT = 50


def _scope(query):
    """Restrict a query to the phone's compound, and to its gate (plus the compound's
    unattended arrivals, which every phone is asked to take) when the phone has one."""
    device = current_device()
    query = query.where(Arrival.compound_id == device.compound_id)
    if device.gate_id is not None:
        query = query.where(
            or_(Arrival.gate_id == device.gate_id, Arrival.unattended_at.is_not(None))
        )
    return query


def _arrival_or_404(arrival_id: int) -> Arrival:
    """An arrival this phone may act on (its compound, its gate or unattended), else 404."""
    arrival = guard_get_or_404(Arrival, arrival_id)
    gate_id = current_device().gate_id
    if gate_id is not None and arrival.gate_id != gate_id and arrival.unattended_at is None:
        abort(404)
    return arrival


def card_json(arrival: Arrival, flags: dict[int, list[str]] | None = None) -> dict:
    """The card with its marks (已投诉, 已加入黑名单), as the console's list and answers send it."""
    body = arrival_json(arrival)
    flags = card_flags([arrival]) if flags is None else flags
    body["flags"] = flags.get(arrival.id, [])
    return body


@bp.route("/guard/arrivals")
@guard_required
@shows_rider_data
def guard_arrivals():
    """The phone's arrivals, newest first (the console loads this, then follows the stream)."""
    compound_id = current_device().compound_id
    expire_stale(compound_id)
    mark_due(compound_id)  # the poll path: phones reload when a card passes the threshold
    rows = db.session.scalars(
        _scope(select(Arrival))
        .where(Arrival.created_at > utcnow() - LIST_WINDOW)
        .order_by(Arrival.created_at.desc(), Arrival.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    log_access(rows, "guard_card")  # PIPL: the cards show riders' names, phones and photos
    flags = card_flags(rows)
    response = jsonify(
        {
            "arrivals": [card_json(a, flags) for a in rows],
            "city": {"down": watch_city()},
            "now": to_cn_iso(utcnow()),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response


#: Seconds a phone whose stream found Redis down waits before trying the stream again.
STREAM_RETRY_AFTER = 30


def _on_duty_checker(app, tenant_id: int, guard_session_id: int, device_id: int):
    """A check, run on each re-check signal and heartbeat, that the shift on this phone is on."""

    def still_on_duty() -> bool:
        # The stream outlives its request: each check opens (and closes) its own app context.
        with app.app_context(), tenant_context(tenant_id):
            row = db.session.execute(
                select(GuardSession.id)
                .join(Guard, Guard.id == GuardSession.guard_id)
                .join(Device, Device.id == GuardSession.device_id)
                .join(Tenant, Tenant.id == GuardSession.tenant_id)
                .where(
                    GuardSession.id == guard_session_id,
                    GuardSession.device_id == device_id,
                    GuardSession.ended_at.is_(None),
                    GuardSession.ends_at > utcnow(),
                    Guard.active.is_(True),
                    Guard.pin_changed_at <= GuardSession.started_at,
                    Device.revoked_at.is_(None),
                    Tenant.status == "active",
                )
            ).first()
        return row is not None

    return still_on_duty


def _city_watcher(app):
    """The city link state for a stream (its own short app context: the request is over)."""

    def city_down() -> bool:
        with app.app_context():
            return watch_city()

    return city_down


def _access_logger(app, tenant_id: int, guard: Guard):
    """The cards a stream showed go to the access log as this guard's viewings (buffered)."""
    guard_id, guard_name = guard.id, guard.name
    buffer = viewing_buffer(app)

    def log_shown(cards: list[dict]) -> None:
        buffer.add(card_rows(tenant_id, guard_id, guard_name, cards))

    return log_shown


@bp.route("/guard/stream")
@guard_required
@shows_rider_data
def guard_stream():
    """Server-Sent Events: each new or changed arrival of the phone's compound (or gate)."""
    device = current_device()
    guard_session = current_guard_session()
    client = get_redis()
    try:
        client.ping()
    except redis.RedisError:
        return _stream_unavailable()
    app = current_app._get_current_object()
    config = app.config
    spec = StreamSpec(
        redis=client,
        hub=get_hub(config["REDIS_URL"], channel_pattern(client), recheck_channel(client)),
        channel=channel(client, device.tenant_id, device.compound_id),
        feed_key=feed_key(client, device.tenant_id, device.compound_id),
        gate_id=device.gate_id,
        last_id=valid_event_id(request.headers.get("Last-Event-ID")),
        heartbeat=float(config.get("XGM_STREAM_HEARTBEAT") or 15),
        max_seconds=float(config.get("XGM_STREAM_MAX_SECONDS") or 600),
        still_allowed=_on_duty_checker(app, device.tenant_id, guard_session.id, device.id),
        city_down=_city_watcher(app),
        shown=_access_logger(app, device.tenant_id, current_guard()),
        tenant_id=device.tenant_id,
        shift_left=(guard_session.ends_at - utcnow()).total_seconds(),
    )
    # Not stream_with_context: the request (and its database session) ends now; the stream
    # itself needs only Redis, plus a short app context at each heartbeat.
    response = Response(events(spec), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _stream_unavailable():
    """Redis is down: a 503 the console answers by polling /guard/arrivals, never a 500."""
    response = render_error(503, _("实时推送暂时不可用，门岗手机会每隔几秒自动刷新到访列表。"))
    response.headers["Retry-After"] = str(STREAM_RETRY_AFTER)
    return response


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _answer(arrival: Arrival, status: int = 200, error: str | None = None):
    """JSON for the console's script; a redirect back to the console for a plain form post."""
    if _wants_json():
        body = {"arrival": card_json(arrival)}
        if error:
            body["error"] = error
        response = jsonify(body)
        response.status_code = status
        return response
    return redirect(url_for("guards.console"))


def _not_pending(exc: NotPending):
    return _answer(exc.arrival, 409, _("该骑手已处理或已过期"))


@bp.route("/guard/arrivals/<int:arrival_id>/admit", methods=["POST"])
@guard_required
@shows_rider_data
def guard_admit(arrival_id: int):
    """放行: the guard admits a pending arrival; the rider's pass turns green."""
    arrival = _arrival_or_404(arrival_id)
    try:
        decide(arrival, "admitted", current_guard())
    except NotPending as exc:
        return _not_pending(exc)
    open_for(arrival, current_guard())  # a gate with an agent opens its barrier
    log_access([arrival], "guard_card")  # the card may have come by the stream only
    return _answer(arrival)


@bp.route("/guard/arrivals/<int:arrival_id>/deny", methods=["POST"])
@guard_required
@shows_rider_data
def guard_deny(arrival_id: int):
    """拒绝: the guard denies a pending arrival with a reason (and may block the rider here)."""
    arrival = _arrival_or_404(arrival_id)
    form = DenyForm(meta={"csrf": False})  # CSRFProtect checked the field or X-CSRFToken
    if not form.validate():
        message = next(iter(form.errors.values()))[0] if form.errors else _("请填写拒绝原因")
        if _wants_json():
            response = jsonify({"error": str(message), "fields": _field_errors(form)})
            response.status_code = 400
            return response
        abort(400)
    reason = form.reason.data.strip()
    guard = current_guard()
    try:
        decide(arrival, "denied", guard, reason)
    except NotPending as exc:
        return _not_pending(exc)
    if form.block.data:
        block_from_deny(arrival, guard, reason, form.block_days.data or 0)
    log_access([arrival], "guard_card")  # the card may have come by the stream only
    return _answer(arrival)


def _field_errors(form) -> dict:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@bp.route("/guard/arrivals/<int:arrival_id>/phone", methods=["POST"])
@guard_required
@shows_rider_data
def guard_rider_phone(arrival_id: int):
    """The rider's full phone number, for the card's call button; every reveal and call is logged."""
    arrival = _arrival_or_404(arrival_id)
    if not arrival.rider_phone:
        response = jsonify({"error": _("这位骑手没有留电话")})
        response.status_code = 404
        return response
    place = "phone_call" if request.form.get("kind") == "call" else "phone_reveal"
    log_access(
        [arrival], place
    )  # every time (EVERY_TIME places); PIPL: who saw or dialled the full number
    response = jsonify({"phone": arrival.rider_phone})
    response.headers["Cache-Control"] = "no-store"
    return response
