"""System health for operators: RQ queues, failed jobs, the city link and the complaints outbox."""

import json
import time
from contextlib import suppress
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from sqlalchemy import func, select

from tenants import unscoped
from xgm.city import BadSignature, CityError, UnknownRider, client_from_config
from xgm.complaints.models import ComplaintOutbox
from xgm.extensions import db
from xgm.queues import QUEUE_NAMES, get_queue, get_redis

#: A rider code that never exists: a signed lookup of it proves signature and reachability.
PROBE_RIDER_CODE = "XGM-HEALTH-PROBE"
CITY_STATUS_KEY = "xgm:ops:city-status"
CITY_STATUS_TTL = 30
FAILED_SHOWN = 50


@dataclass(frozen=True)
class QueueState:
    """Lengths of one RQ queue and its registries."""

    name: str
    queued: int
    started: int
    scheduled: int
    deferred: int
    failed: int


@dataclass(frozen=True)
class FailedJob:
    """One job in a queue's failed registry, as the console lists it."""

    id: str
    queue: str
    func_name: str
    ended_at: str
    error: str


def queue_states() -> list[QueueState]:
    """Queue lengths per queue (raises RedisError when Redis is unreachable)."""
    states = []
    for name in QUEUE_NAMES:
        queue = get_queue(name)
        states.append(
            QueueState(
                name=name,
                queued=queue.count,
                started=queue.started_job_registry.count,
                scheduled=queue.scheduled_job_registry.count,
                deferred=queue.deferred_job_registry.count,
                failed=queue.failed_job_registry.count,
            )
        )
    return states


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def failed_jobs(limit: int = FAILED_SHOWN) -> list[FailedJob]:
    """The newest failed jobs of every queue, with their last error line."""
    found = []
    for name in QUEUE_NAMES:
        queue = get_queue(name)
        registry = queue.failed_job_registry
        ids = registry.get_job_ids(0, limit - 1, desc=True)
        jobs = Job.fetch_many(ids, connection=queue.connection, serializer=queue.serializer)
        for job_id, job in zip(ids, jobs, strict=True):
            if job is None:
                found.append(FailedJob(job_id, name, "?", "", ""))
                continue
            result = job.latest_result()
            found.append(
                FailedJob(
                    id=job.id,
                    queue=name,
                    func_name=job.func_name or "?",
                    ended_at=job.ended_at.strftime("%Y-%m-%d %H:%M:%S") if job.ended_at else "",
                    error=_last_line(result.exc_string if result is not None else ""),
                )
            )
    return found[:limit]


def requeue_failed(queue_name: str, job_id: str) -> bool:
    """Put a failed job back on its queue; False when it is no longer in the failed registry."""
    if queue_name not in QUEUE_NAMES:
        return False
    registry = get_queue(queue_name).failed_job_registry
    try:
        registry.requeue(job_id)
    except (InvalidJobOperation, NoSuchJobError):
        return False
    return True


def _probe_city() -> dict:
    """One cheap signed call to the city platform: an unknown rider's lookup."""
    config = dict(current_app.config)
    started = time.monotonic()
    state = "ok"
    detail = ""
    client = client_from_config(config)
    client.timeout = (1.0, 2.0)
    try:
        client.get_rider(PROBE_RIDER_CODE)
    except UnknownRider:
        pass  # the expected answer: the city checked our signature and looked the code up
    except BadSignature as exc:
        state, detail = "bad_signature", str(exc)[:200]
    except CityError as exc:
        state, detail = "down", str(exc)[:200]
    finally:
        client.close()
    return {
        "state": state,
        "detail": detail,
        "latency_ms": round((time.monotonic() - started) * 1000),
        "checked_at": int(time.time()),
    }


def city_status(refresh: bool = False) -> dict:
    """The city link's state, probed at most every 30 s (the last result is kept in Redis)."""
    redis = get_redis()
    if not refresh:
        try:
            cached = redis.get(CITY_STATUS_KEY)
        except RedisError:
            cached = None
        if cached:
            return json.loads(cached)
    status = _probe_city()
    with suppress(RedisError):  # the probe result is still shown; only the cache is lost
        redis.set(CITY_STATUS_KEY, json.dumps(status), ex=CITY_STATUS_TTL)
    return status


def outbox_backlog() -> dict:
    """Complaint outbox rows not delivered yet: how many, and since when the oldest waits."""
    with unscoped():  # the backlog of every tenant
        pending, oldest = db.session.execute(
            select(func.count(), func.min(ComplaintOutbox.created_at)).where(
                ComplaintOutbox.delivered_at.is_(None), ComplaintOutbox.due_at.is_not(None)
            )
        ).one()
    return {"pending": pending, "oldest": oldest}
