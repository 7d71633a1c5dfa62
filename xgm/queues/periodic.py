"""Periodic jobs on the RQ scheduler: each run schedules the next, keyed by its time slot.

A periodic job's RQ id is `xgm-periodic-<name>-<slot>` where slot = the next multiple of its
interval, so scheduling it twice (two workers starting, a run rescheduling itself while a worker's
maintenance tick checks it) is one job. Each run first schedules the next slot and then works, so a
run that crashes or is killed does not break the chain; worker.py re-ensures every chain at start
and on each maintenance tick, which also repairs it after Redis lost its data.
"""

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq.exceptions import DuplicateJobError

from xgm.queues import get_queue

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    """A job run every `config[interval_key]` seconds on `queue`, by dotted function path."""

    name: str
    func: str
    queue: str
    interval_key: str
    #: RQ job timeout, seconds.
    timeout: int = 300


_JOBS: dict[str, PeriodicJob] = {}


def register_periodic(job: PeriodicJob) -> None:
    """Declare a periodic job (features call this from their init_app)."""
    _JOBS[job.name] = job


def periodic_jobs() -> list[PeriodicJob]:
    """Every declared periodic job."""
    return list(_JOBS.values())


def slot_job_id(name: str, slot: int) -> str:
    """The RQ job id of one run of a periodic job."""
    return f"xgm-periodic-{name}-{slot}"


def schedule_next(name: str, now: float | None = None) -> str | None:
    """Schedule the next run of a periodic job; None when it was already scheduled."""
    job = _JOBS[name]
    interval = max(1, int(current_app.config[job.interval_key]))
    now = time.time() if now is None else now
    slot = int(now // interval) + 1
    job_id = slot_job_id(name, slot)
    try:
        get_queue(job.queue).enqueue_at(
            datetime.fromtimestamp(slot * interval, UTC),
            job.func,
            job_id=job_id,
            unique=True,
            job_timeout=job.timeout,
            result_ttl=max(60, interval),
            failure_ttl=24 * 3600,
            description=f"periodic {name}",
        )
    except DuplicateJobError:
        return None
    return job_id


def ensure_periodic_jobs() -> list[str]:
    """Make sure every periodic job has its next run scheduled; returns the ids it scheduled.

    Redis being unreachable is logged, not raised: the next maintenance tick tries again.
    """
    scheduled = []
    for job in periodic_jobs():
        try:
            job_id = schedule_next(job.name)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            log.warning("cannot schedule periodic job %s now: %s", job.name, exc)
            continue
        if job_id:
            scheduled.append(job_id)
    return scheduled
