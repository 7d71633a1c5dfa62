"""Putting complaint deliveries on the `complaints` queue: derived job ids, Redis outages tolerated.

The outbox row in the database is the truth; a job on the queue is only a wake-up call. A job id
is derived from the complaint and the attempt number, so enqueuing the same attempt twice (the
filing view, a retry and the sweep racing) makes one job. When Redis is unreachable the enqueue is
logged and skipped: the sweep re-enqueues every due row once Redis is back.
"""

import logging
from datetime import timedelta

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from xgm.queues import get_queue, job_pending

log = logging.getLogger(__name__)

QUEUE = "complaints"
DELIVER = "xgm.complaints.jobs.deliver_complaint"
POLL = "xgm.complaints.jobs.poll_complaint"
#: A delivery job never runs longer than this (HTTP timeouts are a few seconds).
JOB_TIMEOUT = 120


def delivery_job_id(complaint_id: int, attempt: int) -> str:
    """The RQ job id of delivery attempt number `attempt + 1` of a complaint."""
    return f"xgm-complaint-{int(complaint_id)}-{int(attempt)}"


def enqueue_job(
    func: str, job_id: str, args: tuple, delay: float = 0.0, lease: float = 60.0
) -> bool:
    """Enqueue (or schedule in `delay` s) one complaints job unless it is already pending.

    Returns True when enqueued; False when already pending or Redis is unreachable (logged).
    """
    try:
        queue = get_queue(QUEUE)
        if job_pending(queue, job_id, lease):
            return False
        options = {
            "job_id": job_id,
            "job_timeout": JOB_TIMEOUT,
            "result_ttl": 0,  # the outbox row and the timeline are the record, not RQ results
            "failure_ttl": 7 * 24 * 3600,
        }
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), func, *args, **options)
        else:
            queue.enqueue(func, *args, **options)
        return True
    except (RedisConnectionError, RedisTimeoutError) as exc:
        log.warning("Redis unreachable, %s not enqueued (the sweep will retry): %s", job_id, exc)
        return False


def enqueue_delivery(tenant_id: int, complaint_id: int, attempt: int, delay: float = 0.0) -> bool:
    """Enqueue the delivery job of a complaint's next attempt (ids only; see enqueue_job)."""
    from flask import current_app

    return enqueue_job(
        DELIVER,
        delivery_job_id(complaint_id, attempt),
        (int(tenant_id), int(complaint_id)),
        delay=delay,
        lease=float(current_app.config["XGM_COMPLAINT_LEASE"]),
    )
