"""The guard's tap: admit or deny a pending arrival (once, even if two phones tap at once)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from tenants import utcnow
from xgm.blocks import add_block
from xgm.extensions import db
from xgm.observability import metrics
from xgm.passes.feed import publish
from xgm.passes.models import Arrival
from xgm.passes.scanning import PENDING_FOR, expire_if_stale


class NotPending(Exception):
    """The arrival was already decided, refused or expired: nothing to admit or deny."""

    def __init__(self, arrival: Arrival):
        super().__init__(arrival.outcome)
        self.arrival = arrival


def decide(arrival: Arrival, outcome: str, guard, reason: str = "") -> Arrival:
    """Set a pending arrival's outcome (admitted/denied) by this guard; NotPending otherwise."""
    if outcome not in ("admitted", "denied"):
        raise ValueError(outcome)
    expire_if_stale(arrival)
    now = utcnow()
    result = db.session.execute(
        update(Arrival)
        .where(
            Arrival.id == arrival.id,
            Arrival.outcome == "pending",
            Arrival.created_at > now - PENDING_FOR,
        )
        .values(
            outcome=outcome,
            decided_at=now,
            decided_by_guard_id=guard.id,
            decided_by_name=guard.name[:50],
            reason=reason[:200],
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(arrival)
    if result.rowcount != 1:
        raise NotPending(arrival)
    metrics.record_decision(outcome, (now - arrival.created_at).total_seconds())
    publish(arrival)
    return arrival


def block_from_deny(arrival: Arrival, guard, reason: str, days: int) -> None:
    """The guard blocks the denied rider at this compound (for `days`, 0 = until lifted)."""
    if not arrival.rider_code:
        return
    add_block(
        arrival.rider_code,
        reason,
        compound_id=arrival.compound_id,
        ends_at=utcnow() + timedelta(days=days) if days else None,
        by_kind="guard",
        by_id=guard.id,
        by_name=guard.name,
        rider_name=arrival.rider_name,
    )
    db.session.commit()
