"""Who is in the compound: an admitted rider is inside until an exit is recorded.

An exit is recorded by the rider's 我已出门 on the pass, a scan of the gate's exit poster or
the guard's 已离开, once (a conditional UPDATE), and closes an overstay alert that was open.
Admissions older than INSIDE_WINDOW without an exit are taken as gone unrecorded: they leave
the list and never alert.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from tenants import utcnow
from xgm.extensions import db
from xgm.passes.feed import publish
from xgm.passes.models import EXIT_VIAS, Arrival

#: An admission older than this with no exit is not counted as inside any more.
INSIDE_WINDOW = timedelta(hours=12)
#: Riders listed at most.
INSIDE_LIMIT = 200


def is_inside(arrival: Arrival, now: datetime | None = None) -> bool:
    """True for an admitted arrival with no exit recorded, admitted within INSIDE_WINDOW."""
    now = now or utcnow()
    return (
        arrival.outcome == "admitted"
        and arrival.left_at is None
        and arrival.decided_at is not None
        and arrival.decided_at > now - INSIDE_WINDOW
    )


def minutes_inside(arrival: Arrival, now: datetime | None = None) -> int:
    """Whole minutes since the rider was admitted (until the exit when there is one)."""
    end = arrival.left_at or now or utcnow()
    start = arrival.decided_at or arrival.created_at
    return max(0, int((end - start).total_seconds() // 60))


def inside(compound_id: int, gate_id: int | None = None, now: datetime | None = None) -> list:
    """The riders inside a compound now (current tenant), longest inside first; one gate's
    admissions only when `gate_id` is given."""
    now = now or utcnow()
    query = select(Arrival).where(
        Arrival.compound_id == compound_id,
        Arrival.outcome == "admitted",
        Arrival.left_at.is_(None),
        Arrival.decided_at > now - INSIDE_WINDOW,
    )
    if gate_id is not None:
        query = query.where(Arrival.gate_id == gate_id)
    return list(
        db.session.scalars(query.order_by(Arrival.decided_at, Arrival.id).limit(INSIDE_LIMIT))
    )


def leave(arrival: Arrival, via: str, now: datetime | None = None) -> bool:
    """Record the rider's exit (once); True if this call recorded it. Commits and publishes;
    an open overstay alert closes."""
    from xgm.presence.overstay import overstay_closed

    if via not in EXIT_VIAS:
        raise ValueError(via)
    now = now or utcnow()
    changed = db.session.execute(
        update(Arrival)
        .where(
            Arrival.id == arrival.id,
            Arrival.outcome == "admitted",
            Arrival.left_at.is_(None),
        )
        .values(left_at=now, left_via=via)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(arrival)
    if changed.rowcount != 1:
        return False
    if arrival.overstay_at is not None:
        overstay_closed(arrival)
    publish(arrival)
    return True


def open_stay_of(rider_code: str, compound_id: int, now: datetime | None = None):
    """The rider's newest admission in the compound still inside (current tenant), or None."""
    now = now or utcnow()
    if not rider_code:
        return None
    return db.session.scalars(
        select(Arrival)
        .where(
            Arrival.rider_code == rider_code,
            Arrival.compound_id == compound_id,
            Arrival.outcome == "admitted",
            Arrival.left_at.is_(None),
            Arrival.decided_at > now - INSIDE_WINDOW,
        )
        .order_by(Arrival.decided_at.desc(), Arrival.id.desc())
        .limit(1)
    ).first()
