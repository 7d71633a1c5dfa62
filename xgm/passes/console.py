"""The guard console's live arrivals: the JSON list, the SSE stream, admit and deny."""

from __future__ import annotations

from datetime import timedelta

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
from sqlalchemy import select

from tenants import tenant_context, utcnow
from xgm.devices.models import Device
from xgm.extensions import db
from xgm.guards.access import (
    current_device,
    current_guard,
    current_guard_session,
    guard_get_or_404,
    guard_required,
)
from xgm.guards.models import Guard, GuardSession
from xgm.passes import bp
from xgm.passes.barrier import open_for
from xgm.passes.decisions import NotPending, block_from_deny, decide
from xgm.passes.feed import arrival_json, channel, channel_pattern, feed_key
from xgm.passes.forms import DenyForm
from xgm.passes.hub import get_hub
from xgm.passes.models import Arrival
from xgm.passes.scanning import expire_stale
from xgm.passes.stream import StreamSpec, events, valid_event_id
from xgm.privacy import log_access, shows_rider_data
from xgm.privacy.viewings import card_rows, viewing_buffer
from xgm.queues import get_redis
from xgm.riders.city import city_link_down

#: The console lists the arrivals of the last shift at most.
LIST_WINDOW = timedelta(hours=12)
LIST_LIMIT = 50


def _scope(query):
    """Restrict a query to the phone's compound, and to its gate when the phone has one."""
    device = current_device()
    query = query.where(Arrival.compound_id == device.compound_id)
    if device.gate_id is not None:
        query = query.where(Arrival.gate_id == device.gate_id)
    return query


def _arrival_or_404(arrival_id: int) -> Arrival:
    """An arrival this phone may act on (its compound, its gate), else 404."""
    arrival = guard_get_or_404(Arrival, arrival_id)
    gate_id = current_device().gate_id
    if gate_id is not None and arrival.gate_id != gate_id:
        abort(404)
    return arrival


@bp.route("/guard/arrivals")
@guard_required
@shows_rider_data
def guard_arrivals():
    """The phone's arrivals, newest first (the console loads this, then follows the stream)."""
    expire_stale(current_device().compound_id)
    rows = db.session.scalars(
        _scope(select(Arrival))
        .where(Arrival.created_at > utcnow() - LIST_WINDOW)
        .order_by(Arrival.created_at.desc(), Arrival.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    log_access(rows, "guard_card")  # PIPL: the cards show riders' names, phones and photos
    response = jsonify(
        {"arrivals": [arrival_json(a) for a in rows], "city": {"down": city_link_down()}}
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _on_duty_checker(app, tenant_id: int, guard_session_id: int, device_id: int):
    """A check, run at each heartbeat, that the guard's shift on this phone is still on."""

    def still_on_duty() -> bool:
        # The stream outlives its request: each check opens (and closes) its own app context.
        with app.app_context(), tenant_context(tenant_id):
            row = db.session.execute(
                select(GuardSession.id)
                .join(Guard, Guard.id == GuardSession.guard_id)
                .join(Device, Device.id == GuardSession.device_id)
                .where(
                    GuardSession.id == guard_session_id,
                    GuardSession.device_id == device_id,
                    GuardSession.ended_at.is_(None),
                    GuardSession.ends_at > utcnow(),
                    Guard.active.is_(True),
                    Guard.pin_changed_at <= GuardSession.started_at,
                    Device.revoked_at.is_(None),
                )
            ).first()
        return row is not None

    return still_on_duty


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
    app = current_app._get_current_object()
    config = app.config
    spec = StreamSpec(
        redis=client,
        hub=get_hub(config["REDIS_URL"], channel_pattern(client)),
        channel=channel(client, device.tenant_id, device.compound_id),
        feed_key=feed_key(client, device.tenant_id, device.compound_id),
        gate_id=device.gate_id,
        last_id=valid_event_id(request.headers.get("Last-Event-ID")),
        heartbeat=float(config.get("XGM_STREAM_HEARTBEAT") or 15),
        max_seconds=float(config.get("XGM_STREAM_MAX_SECONDS") or 600),
        still_allowed=_on_duty_checker(app, device.tenant_id, guard_session.id, device.id),
        city_down=lambda: city_link_down(client),
        shown=_access_logger(app, device.tenant_id, current_guard()),
    )
    # Not stream_with_context: the request (and its database session) ends now; the stream
    # itself needs only Redis, plus a short app context at each heartbeat.
    response = Response(events(spec), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def _answer(arrival: Arrival, status: int = 200, error: str | None = None):
    """JSON for the console's script; a redirect back to the console for a plain form post."""
    if _wants_json():
        body = {"arrival": arrival_json(arrival)}
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
