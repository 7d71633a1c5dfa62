"""Sending one delivery to its bot on the worker: a lease, the HTTP call, retries with backoff.

The AlertDelivery row is the truth, the RQ job a wake-up call (as for complaints): a job takes
the row with a conditional UPDATE (pending and due), so two jobs for one row send once. A
transient failure (network, HTTP 5xx/429, the bot's "too fast") is retried after
XGM_ALERT_RETRY_DELAYS; a permanent one (wrong key, bad signature) or the last retry's
failure marks the row failed. The sweep re-enqueues due rows whose job was lost.
"""

import logging
import time
from datetime import timedelta

import requests
from flask import current_app
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select, update

from tenants import tenant_context, unscoped, utcnow
from xgm.alerts import bots, message
from xgm.alerts.models import AlertDelivery
from xgm.extensions import db
from xgm.queues import get_queue, job_pending
from xgm.sealed import unseal

log = logging.getLogger(__name__)

QUEUE = "default"
DELIVER = "xgm.alerts.delivery.deliver_alert"
#: How long a taken delivery is left alone by other jobs (the HTTP call times out well before).
LEASE = timedelta(seconds=60)
HTTP_TIMEOUT = 5


def retry_delays() -> list[float]:
    """Seconds to wait before each retry (XGM_ALERT_RETRY_DELAYS, comma-separated)."""
    raw = str(current_app.config["XGM_ALERT_RETRY_DELAYS"])
    return [float(x) for x in raw.split(",") if x.strip()]


def job_id(delivery_id: int, attempt: int) -> str:
    """RQ job id of one attempt of one delivery."""
    return f"xgm-alert-{int(delivery_id)}-{int(attempt)}"


def enqueue_delivery(tenant_id: int, delivery_id: int, attempt: int, delay: float = 0) -> bool:
    """Put an attempt on the queue (unless already there); Redis away is logged, not raised."""
    jid = job_id(delivery_id, attempt)
    try:
        queue = get_queue(QUEUE)
        if job_pending(queue, jid, LEASE.total_seconds()):
            return False
        options = {"job_id": jid, "job_timeout": 60, "result_ttl": 0, "failure_ttl": 86400}
        args = (int(tenant_id), int(delivery_id))
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), DELIVER, *args, **options)
        else:
            queue.enqueue(DELIVER, *args, **options)
        return True
    except (RedisConnectionError, RedisTimeoutError) as exc:
        log.warning("Redis unreachable, %s not enqueued (the sweep will retry): %s", jid, exc)
        return False


def _take(delivery_id: int) -> bool:
    """Lease the row for this attempt: True when it was pending and due."""
    now = utcnow()
    taken = db.session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery_id,
            AlertDelivery.status == "pending",
            AlertDelivery.due_at <= now,
        )
        .values(due_at=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def send(delivery: AlertDelivery) -> bots.Answer:
    """Make the HTTP call of one delivery and read the bot's answer."""
    hook = delivery.hook
    if hook.removed_at is not None:
        return bots.Answer(False, False, "robot removed before sending")
    url, secret = unseal(hook.url_enc), unseal(hook.secret_enc)
    if url is None or secret is None:
        return bots.Answer(
            False, False, "stored URL unreadable (XGM_SEAL_KEY or SECRET_KEY changed)"
        )
    title, lines = message.compose(delivery)
    target = bots.signed_url(hook.kind, url, secret, int(time.time() * 1000))
    try:
        response = requests.post(
            target, json=bots.body(hook.kind, title, lines), timeout=HTTP_TIMEOUT
        )
    except requests.RequestException as exc:
        return bots.Answer(False, True, f"network: {type(exc).__name__}")
    try:
        data = response.json()
    except ValueError:
        data = None
    return bots.read_answer(response.status_code, data)


def deliver_alert(tenant_id: int, delivery_id: int) -> str:
    """RQ job: one attempt of one delivery; returns sent, retry, failed or skipped."""
    with tenant_context(tenant_id):
        if not _take(delivery_id):
            return "skipped"
        delivery = db.session.get(AlertDelivery, delivery_id)
        answer = send(delivery)
        delivery.attempts += 1
        delivery.last_error = "" if answer.ok else answer.message[:300]
        delays = retry_delays()
        if answer.ok:
            delivery.status, delivery.sent_at, delivery.due_at = "sent", utcnow(), None
            outcome = "sent"
        elif answer.retry and delivery.attempts <= len(delays):
            delay = delays[delivery.attempts - 1]
            delivery.due_at = utcnow() + timedelta(seconds=delay)
            outcome = "retry"
        else:
            delivery.status, delivery.due_at = "failed", None
            outcome = "failed"
        attempts = delivery.attempts
        db.session.commit()
    if outcome == "retry":
        enqueue_delivery(tenant_id, delivery_id, attempts, delay=delay)
    return outcome


def sweep_deliveries() -> int:
    """Periodic job: re-enqueue due pending deliveries whose job was lost; returns how many."""
    grace = float(current_app.config["XGM_ALERT_SWEEP_GRACE"])
    cutoff = utcnow() - timedelta(seconds=grace)
    with unscoped():  # a sweep over every tenant's deliveries, by id
        rows = db.session.execute(
            select(AlertDelivery.tenant_id, AlertDelivery.id, AlertDelivery.attempts)
            .where(AlertDelivery.status == "pending", AlertDelivery.due_at <= cutoff)
            .limit(500)
        ).all()
    db.session.rollback()
    return sum(enqueue_delivery(t, i, a) for t, i, a in rows)
