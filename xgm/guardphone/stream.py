"""The guard console's live stream (GET /guard/stream): the Server-Sent Events of the phone's
compound (or gate), which end with the guard's shift; a 503 when Redis is down."""

from __future__ import annotations

from functools import lru_cache

import redis
from flask import Response, current_app, request
from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from tenants import Tenant, tenant_context, utcnow
from xgm.devices.models import Device
from xgm.errors import render_error
from xgm.extensions import db
from xgm.guardphone.stream_events import StreamSpec, events, valid_event_id
from xgm.guards.access import current_device, current_guard, current_guard_session, guard_required
from xgm.guards.models import Guard, GuardSession
from xgm.guards.recheck import recheck_channel
from xgm.passes.feed import channel, channel_pattern, feed_key
from xgm.passes.hub import get_hub
from xgm.privacy import shows_rider_data
from xgm.privacy.viewings import card_rows, viewing_buffer
from xgm.queues import get_redis
from xgm.riders.link import cached_link_up, watch_city

#: Seconds a phone whose stream found Redis down waits before trying the stream again.
STREAM_RETRY_AFTER = 30


@lru_cache(maxsize=1)
def _on_duty_statement():
    """Whether a guard session is on: built once (every open stream asks it each heartbeat)."""
    return (
        select(GuardSession.id)
        .join(Guard, Guard.id == GuardSession.guard_id)
        .join(Device, Device.id == GuardSession.device_id)
        .join(Tenant, Tenant.id == GuardSession.tenant_id)
        .where(
            GuardSession.id == bindparam("guard_session_id"),
            GuardSession.device_id == bindparam("device_id"),
            GuardSession.ended_at.is_(None),
            GuardSession.ends_at > bindparam("now"),
            Guard.active.is_(True),
            Guard.pin_changed_at <= GuardSession.started_at,
            Device.revoked_at.is_(None),
            Tenant.status == "active",
        )
    )


def _on_duty_checker(app, tenant_id: int, guard_session_id: int, device_id: int):
    """A check, run on each re-check signal and heartbeat, that the shift on this phone is on."""
    ids = {"guard_session_id": guard_session_id, "device_id": device_id}

    def still_on_duty() -> bool:
        # The stream outlives its request: each check opens (and closes) its own app context.
        with app.app_context(), tenant_context(tenant_id):
            row = db.session.execute(_on_duty_statement(), {**ids, "now": utcnow()}).first()
        return row is not None

    return still_on_duty


def _city_watcher(app):
    """The city link state for a stream (its own short app context: the request is over)."""

    def city_down() -> bool:
        if cached_link_up(app):
            return False
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


@guard_required
@shows_rider_data
def stream():
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
