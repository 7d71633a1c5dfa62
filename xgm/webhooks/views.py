"""POST /hooks/city: signature, timestamp window and nonce checked; each event stored once."""

import json
import logging
import time

import redis
from flask import current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from xgm.city import BadSignature
from xgm.city.signing import RedisNonceStore, request_target, verify
from xgm.extensions import db, limiter
from xgm.inputs import text_problem
from xgm.queues import get_redis
from xgm.webhooks import bp
from xgm.webhooks.models import CityEvent
from xgm.webhooks.registry import handlers_for

log = logging.getLogger(__name__)


def _answer(status: int, **body):
    response = jsonify(body)
    response.status_code = status
    return response


def _authentic(body: bytes) -> str | None:
    """None when the request is signed by the city and fresh, else why not."""
    config = current_app.config
    try:
        verify(
            config["XGM_CITY_SECRET"],
            request.headers,
            request.method,
            request_target(request.environ),
            body,
            time.time(),
            RedisNonceStore(get_redis()),
            client_id=config["XGM_CITY_CLIENT_ID"],
        )
    except BadSignature as exc:
        return exc.reason
    return None


#: Deepest nesting of objects and arrays an event may have (the contract's events have 1).
MAX_DEPTH = 8
#: Fields naming something at the city: strings of 1-64 characters when present.
ID_FIELDS = ("event_id", "event", "complaint_id", "reference", "rider_code")


def _clean(value, depth: int = 0) -> bool:
    """True when no object or array nests deeper than MAX_DEPTH and every text is storable."""
    if depth > MAX_DEPTH:
        return False
    if isinstance(value, str):
        return text_problem(value) is None
    if isinstance(value, dict):
        return all(_clean(k, depth + 1) and _clean(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return all(_clean(v, depth + 1) for v in value)
    return True


def _parse(body: bytes) -> dict | None:
    """The event object, or None when it is not a JSON object with event_id and event.

    Also None for events that nest too deeply, hold a NUL byte or a lone surrogate anywhere,
    or whose id fields (event_id, event, complaint_id, reference, rider_code) are not strings.
    """
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not _clean(data):
        return None
    if data.get("event_id") is None or data.get("event") is None:
        return None
    for name in ID_FIELDS:
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 64):
            return None
    return data


@bp.post("/hooks/city")
@limiter.exempt
def city_hook():
    """Receive one signed city event: 200 once it is stored (or was already), 401 if forged."""
    body = request.get_data(cache=True)
    try:
        problem = _authentic(body)
    except redis.RedisError:
        log.exception("nonce store unavailable; the city will retry")
        return _answer(503, error="unavailable")
    if problem:
        log.warning("refused city webhook: %s", problem)
        return _answer(401, error="unauthorized", message=problem)
    event = _parse(body)
    if event is None:
        return _answer(
            400,
            error="invalid",
            message="expected a JSON object with string event_id and event (ids are strings "
            "of 1-64 characters, nesting at most 8 deep, no NUL or lone surrogates)",
        )
    if db.session.scalar(select(CityEvent.id).where(CityEvent.event_id == event["event_id"])):
        return _answer(200, event_id=event["event_id"], duplicate=True)
    handlers = handlers_for(event["event"])
    db.session.add(
        CityEvent(
            event_id=event["event_id"],
            event=event["event"],
            payload=body.decode("utf-8"),
            handled_by=len(handlers),
        )
    )
    try:
        db.session.flush()  # claims the event_id before any handler acts
    except IntegrityError:
        db.session.rollback()  # a concurrent delivery of the same event stored it first
        return _answer(200, event_id=event["event_id"], duplicate=True)
    after_commit = []
    try:
        for handler in handlers:
            follow_up = handler(event)
            if follow_up is not None:
                after_commit.append(follow_up)
        db.session.commit()
    except Exception:
        db.session.rollback()  # nothing stored: the city's retry runs the handlers again
        raise
    for follow_up in after_commit:
        try:
            follow_up()
        except Exception:  # noqa: BLE001 - the event is stored; a lost push must not undo that
            log.exception("follow-up of city event %s failed", event["event_id"])
    return _answer(200, event_id=event["event_id"], duplicate=False)
