"""A rider's scan at a gate: the verdict (city status, blocklist), the arrival, reuse, expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from tenants import utcnow
from xgm.blocks import active_block
from xgm.city import RiderCard
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.passes.feed import publish
from xgm.passes.models import Arrival
from xgm.riders.city import lookup_rider, today_cn

#: A pending arrival nobody decided on expires after this long.
PENDING_FOR = timedelta(minutes=10)
#: Scanning the same gate again within this long shows the same arrival.
REUSE_WITHIN = timedelta(minutes=2)
#: Outcomes a fresh admissible scan may reuse.
_REUSABLE = ("pending", "admitted", "denied")


@dataclass(frozen=True)
class Verdict:
    """What the rules say before any guard looks: pending, or refused and why."""

    refusal: str = ""
    reason: str = ""
    status: str = ""
    card: RiderCard | None = None
    offline: bool = False

    @property
    def refused(self) -> bool:
        """True when the rules refuse the rider outright."""
        return bool(self.refusal)


def judge(rider_code: str, compound_id: int) -> Verdict | None:
    """The verdict for a rider at a compound; None when the city is down and nobody vouches."""
    check = lookup_rider(rider_code)
    if check.source == "down":
        return None
    if check.source == "unknown":
        return Verdict(refusal="unknown", status="unknown")
    card = check.card
    status = card.effective_status(today_cn())
    if status != "active":
        return Verdict(refusal=status, status=status, card=card, offline=check.offline)
    block = active_block(rider_code, compound_id)
    if block is not None:
        return Verdict(
            refusal="blocked", reason=block.reason, status=status, card=card, offline=check.offline
        )
    return Verdict(status=status, card=card, offline=check.offline)


def expire_if_stale(arrival: Arrival) -> Arrival:
    """Mark a pending arrival expired once 10 minutes passed (lazily, on read); publish it."""
    if arrival.outcome == "pending" and arrival.created_at <= utcnow() - PENDING_FOR:
        result = db.session.execute(
            update(Arrival)
            .where(Arrival.id == arrival.id, Arrival.outcome == "pending")
            .values(outcome="expired", decided_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        db.session.refresh(arrival)
        if result.rowcount:
            publish(arrival)
    return arrival


def expire_stale(compound_id: int | None = None) -> list[Arrival]:
    """Expire every stale pending arrival of the current tenant (one compound or all); publish."""
    cutoff = utcnow() - PENDING_FOR
    query = select(Arrival).where(Arrival.outcome == "pending", Arrival.created_at <= cutoff)
    if compound_id is not None:
        query = query.where(Arrival.compound_id == compound_id)
    stale = list(db.session.scalars(query))
    if not stale:
        return []
    now = utcnow()
    for arrival in stale:
        arrival.outcome = "expired"
        arrival.decided_at = now
    db.session.commit()
    for arrival in stale:
        publish(arrival)
    return stale


def _snapshot(arrival: Arrival, verdict: Verdict) -> None:
    """Copy the city's card (what the guard is shown) onto the arrival."""
    card = verdict.card
    arrival.rider_status = verdict.status
    if card is None:
        return
    arrival.rider_name = card.name[:50]
    arrival.rider_phone = card.phone[:20]
    arrival.photo_url = card.photo_url[:300]
    arrival.platform_code = card.platform_code[:32]
    arrival.platform_name = card.platform_name[:50]
    arrival.station = card.station[:60]
    arrival.team = card.team[:60]
    arrival.supervision_phone = card.supervision_phone[:20]


def _latest(gate_id: int, rider_code: str) -> Arrival | None:
    """This rider's newest arrival at this gate within the reuse window."""
    return db.session.scalars(
        select(Arrival)
        .where(
            Arrival.gate_id == gate_id,
            Arrival.rider_code == rider_code,
            Arrival.created_at > utcnow() - REUSE_WITHIN,
        )
        .order_by(Arrival.created_at.desc(), Arrival.id.desc())
        .limit(1)
    ).first()


def record_scan(gate: Gate, compound: Compound, rider_code: str, verdict: Verdict) -> Arrival:
    """The arrival for this scan: the recent one at this gate when it still fits, else a new one."""
    latest = _latest(gate.id, rider_code)
    if latest is not None:
        expire_if_stale(latest)
        if not verdict.refused and latest.outcome in _REUSABLE:
            return latest
        if verdict.refused and latest.outcome == "refused" and latest.refusal == verdict.refusal:
            return latest
        if verdict.refused and latest.outcome == "pending":
            return refuse(latest, verdict)
    arrival = Arrival(
        compound_id=compound.id,
        gate_id=gate.id,
        compound_name=compound.name,
        gate_name=gate.name,
        rider_code=rider_code,
        offline=verdict.offline,
    )
    _snapshot(arrival, verdict)
    if verdict.refused:
        arrival.outcome = "refused"
        arrival.refusal = verdict.refusal
        arrival.reason = verdict.reason[:200]
        arrival.decided_at = arrival.created_at = utcnow()
    db.session.add(arrival)
    commit_fresh()
    publish(arrival)
    return arrival


def commit_fresh() -> None:
    """Commit without expiring what this request just wrote: the pass renders it next, and a
    reload of the row it inserted would only cost the scan another round trip."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def refuse(arrival: Arrival, verdict: Verdict) -> Arrival:
    """Turn a pending arrival into a refusal (the rider's status changed or a block came in)."""
    _snapshot(arrival, verdict)
    arrival.outcome = "refused"
    arrival.refusal = verdict.refusal
    arrival.reason = verdict.reason[:200]
    arrival.decided_at = utcnow()
    db.session.commit()
    publish(arrival)
    return arrival


def register_manual(
    gate: Gate, compound: Compound, name: str, phone: str, platform: str, rider_code: str = ""
) -> Arrival:
    """A manual registration (城市平台不可用): the rider's own words, for the guard to check."""
    arrival = Arrival(
        compound_id=compound.id,
        gate_id=gate.id,
        compound_name=compound.name,
        gate_name=gate.name,
        rider_code=rider_code,
        rider_name=name[:50],
        rider_phone=phone[:20],
        platform_name=platform[:50],
        manual=True,
    )
    db.session.add(arrival)
    commit_fresh()
    publish(arrival)
    return arrival
