"""Arrival jobs and event handlers: expiry sweep, refusing a rider the city just stopped."""

import logging
from datetime import timedelta

import redis
from sqlalchemy import select

from chinatime import today_in_china
from tenants import unscoped, utcnow
from xgm.extensions import db
from xgm.passes.feed import publish
from xgm.passes.models import REFUSALS, Arrival
from xgm.passes.scanning import PENDING_FOR
from xgm.queues import get_queue
from xgm.riders.city import lookup_rider

EXPIRY = "expire-arrivals"

log = logging.getLogger(__name__)


def expire_arrivals_job() -> int:
    """The periodic run (every XGM_ARRIVAL_EXPIRY_INTERVAL s): schedule the next, then sweep."""
    from xgm.queues.periodic import schedule_next

    schedule_next(EXPIRY)
    return expire_arrivals()


def expire_arrivals() -> int:
    """Expire every tenant's pending arrivals older than 10 minutes and push them; how many."""
    cutoff = utcnow() - PENDING_FOR
    with unscoped():  # system sweep over every tenant
        stale = list(
            db.session.scalars(
                select(Arrival).where(Arrival.outcome == "pending", Arrival.created_at <= cutoff)
            )
        )
        now = utcnow()
        for arrival in stale:
            arrival.outcome = "expired"
            arrival.decided_at = now
        db.session.commit()
        for arrival in stale:
            publish(arrival)
    return len(stale)


#: A scan that read the rider's card just before a suspension webhook can still write one pending
#: arrival after the webhook refused the others; the refusal runs again this long afterwards.
RECHECK_AFTER = timedelta(seconds=5)


def _refuse_pending(rider_code: str, refusal: str) -> list[Arrival]:
    """Refuse the rider's pending arrivals in every tenant (flushed, not committed)."""
    now = utcnow()
    with unscoped():  # the city's word stops the rider at every gate of every tenant
        pending = list(
            db.session.scalars(
                select(Arrival).where(
                    Arrival.rider_code == rider_code, Arrival.outcome == "pending"
                )
            )
        )
        for arrival in pending:
            arrival.outcome = "refused"
            arrival.refusal = refusal
            arrival.rider_status = refusal
            arrival.decided_at = now
        db.session.flush()
    return pending


def _publish_all(arrivals: list[Arrival]) -> None:
    with unscoped():  # arrivals of every tenant, reloaded after the commit expired them
        for arrival in arrivals:
            publish(arrival)


def on_rider_status_changed(event: dict):
    """rider.status_changed away from active: the rider's pending arrivals, in every tenant, are
    refused now, and once more RECHECK_AFTER later (a scan in flight may add one)."""
    rider_code, status = event.get("rider_code"), event.get("status")
    if not isinstance(rider_code, str) or not rider_code or status == "active":
        return None
    refusal = status if status in REFUSALS else "suspended"
    pending = _refuse_pending(rider_code, refusal)
    try:
        get_queue("default").enqueue_in(
            RECHECK_AFTER, refuse_again_job, rider_code, refusal, result_ttl=0
        )
    except redis.RedisError:
        log.warning("could not schedule the second refusal pass for %s", rider_code)
    if not pending:
        return None
    return lambda: _publish_all(pending)


def refuse_again_job(rider_code: str, refusal: str) -> int:
    """The second pass after a suspension webhook: refuse what a scan in flight added, unless the
    city says the rider is active again by now. Returns how many arrivals it refused."""
    check = lookup_rider(rider_code)
    if check.card is not None and check.card.effective_status(today_in_china()) == "active":
        return 0
    pending = _refuse_pending(rider_code, refusal)
    db.session.commit()
    _publish_all(pending)
    return len(pending)


def refuse_for_block(block) -> int:
    """A new block (a manager's or a guard's): the rider's waiting passes at the compounds it
    covers turn refused now, with its reason and end, as a scan would be. How many."""
    query = select(Arrival).where(
        Arrival.rider_code == block.rider_code, Arrival.outcome == "pending"
    )
    if block.compound_id is not None:
        query = query.where(Arrival.compound_id == block.compound_id)
    pending = list(db.session.scalars(query))  # the block's tenant: the request's
    if not pending:
        return 0
    now = utcnow()
    for arrival in pending:
        arrival.outcome = "refused"
        arrival.refusal = "blocked"
        arrival.reason = block.reason[:200]
        arrival.blocked_until = block.ends_at
        arrival.decided_at = now
    db.session.commit()
    for arrival in pending:
        publish(arrival)
    return len(pending)
