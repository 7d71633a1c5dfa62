"""Arrival jobs and event handlers: expiry sweep, refusing a rider the city just stopped."""

from sqlalchemy import select

from tenants import unscoped, utcnow
from xgm.extensions import db
from xgm.passes.feed import publish
from xgm.passes.models import REFUSALS, Arrival
from xgm.passes.scanning import PENDING_FOR

EXPIRY = "expire-arrivals"


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


def on_rider_status_changed(event: dict):
    """rider.status_changed away from active: the rider's pending arrivals, in every tenant, are refused."""
    rider_code, status = event.get("rider_code"), event.get("status")
    if not isinstance(rider_code, str) or not rider_code or status == "active":
        return None
    refusal = status if status in REFUSALS else "suspended"
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
    if not pending:
        return None

    def push() -> None:
        with unscoped():
            for arrival in pending:
                publish(arrival)

    return push
