"""A rider's scan at a gate: the verdict (city status, blocklist), the arrival, reuse, expiry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import redis
from sqlalchemy import Insert, bindparam, exists, insert, select, tuple_, update

from chinatime import today_in_china
from tenants import (
    CrossTenantWrite,
    TenantRequired,
    current_tenant_id,
    in_unscoped,
    tenant_connection,
    utcnow,
)
from xgm.blocks import active_block
from xgm.blocks.cache import queue_block_check
from xgm.city import RiderCard
from xgm.compounds.lookup import known_tenant, queue_token_read
from xgm.extensions import db
from xgm.passes.claim import new_claim_value, queue_claim
from xgm.passes.feed import publish
from xgm.passes.models import Arrival, new_pass_key
from xgm.queues import get_redis
from xgm.riders.city import lookup_rider, queue_card_read

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
    #: For "blocked": when the block ends (None: until lifted).
    until: datetime | None = None
    #: 自动放行: the gate admits this rider at scan time (xgm.passes.gaterules decides).
    auto: bool = False

    @property
    def refused(self) -> bool:
        """True when the rules refuse the rider outright."""
        return bool(self.refusal)


@dataclass(frozen=True)
class ScanReads:
    """A scan's Redis reads, made in one round trip: the gate's cache entry, the rider's cached
    card, when the token's tenant is known the tenant's blocklist set check, and the attempt to
    claim this (gate, rider) for this scan (see passes.claim; False: not attempted)."""

    gate: object = None
    card: object = None
    block: tuple[int, object] | None = None
    claim: object = False
    claim_value: str = ""


def prefetch(token: str, rider_code: str | None) -> ScanReads:
    """Pipeline the reads a scan makes first (each reader falls back to its own read)."""
    tenant_id = known_tenant(token)
    claim_value = new_claim_value() if rider_code else ""
    pipe = get_redis().pipeline(transaction=False)
    queue_token_read(pipe, token)
    if rider_code:
        queue_card_read(pipe, rider_code)
        queue_claim(pipe, token, rider_code, claim_value)
        if tenant_id is not None:
            queue_block_check(pipe, tenant_id, rider_code)
    try:
        replies = pipe.execute(raise_on_error=False)
    except redis.RedisError:
        return ScanReads()
    if not rider_code:
        return ScanReads(gate=replies[0])
    return ScanReads(
        gate=replies[0],
        card=replies[1],
        claim=replies[2],
        claim_value=claim_value,
        block=(tenant_id, replies[3]) if tenant_id is not None else None,
    )


def judge(rider_code: str, compound_id: int, reads: ScanReads | None = None) -> Verdict | None:
    """The verdict for a rider at a compound; None when the city is down and nobody vouches."""
    reads = reads or ScanReads()
    check = lookup_rider(rider_code, reads.card)
    if check.source == "down":
        return None
    if check.source == "unknown":
        return Verdict(refusal="unknown", status="unknown")
    card = check.card
    status = card.effective_status(today_in_china())
    if status != "active":
        return Verdict(refusal=status, status=status, card=card, offline=check.offline)
    block = active_block(rider_code, compound_id, reads.block)
    if block is not None:
        return Verdict(
            refusal="blocked",
            reason=block.reason,
            status=status,
            card=card,
            offline=check.offline,
            until=block.ends_at,
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


@cache
def _insert_unless_recent() -> Insert:
    """INSERT INTO arrival SELECT <the new row> WHERE NOT EXISTS (<this rider's arrival at this
    gate within REUSE_WITHIN>) RETURNING id: the reuse check and the insert in one round trip.

    A Core statement, so the ORM's tenant wall does not see it: it runs through the door
    (tenants.tenant_connection(), which checks both tenant_id uses are the current tenant's);
    the caller passes tenant_id explicitly and the NOT EXISTS filters on it.
    """
    table = Arrival.__table__
    columns = [c for c in table.c if c.name != "id"]
    c = table.c
    tenant_id, gate_id, rider_code = (bindparam(n) for n in ("tenant_id", "gate_id", "rider_code"))
    after = bindparam("reuse_after", type_=c.created_at.type)
    # The row comparison says no more than `created_at > after` beside the equalities, but
    # only ix_arrival_tenant_gate_rider_created takes all of it as its index condition, which
    # tips the planner to that index on a month planned before it was measured (it took a
    # tenant index there and read the tenant's whole window on every scan). It is a nudge,
    # not a guarantee: with no statistics the planner still guesses, and a connection's
    # cached plan can keep a poor guess until autovacuum measures the month and it is
    # replanned (bench/scan.py runs ANALYZE itself where autovacuum is off).
    recent = select(c.id).where(
        c.tenant_id == tenant_id,
        c.gate_id == gate_id,
        c.rider_code == rider_code,
        tuple_(c.tenant_id, c.gate_id, c.rider_code, c.created_at)
        > tuple_(tenant_id, gate_id, rider_code, after),
    )
    row = select(*[bindparam(c.name, type_=c.type) for c in columns]).where(~exists(recent))
    return insert(table).from_select([c.name for c in columns], row).returning(table.c.id)


@cache
def _column_defaults() -> dict:
    """The scalar defaults of the arrival columns (the callable ones are set by _new_arrival)."""
    defaults = {}
    for column in Arrival.__table__.c:
        if column.name in ("id", "pass_key", "created_at", "tenant_id"):
            continue
        default = column.default
        if default is not None and not default.is_scalar:
            raise RuntimeError(f"arrival.{column.name}: _new_arrival must set its default")
        defaults[column.name] = default.arg if default is not None else None
    return defaults


def _new_arrival(gate, compound, rider_code: str, verdict: Verdict, source: str = "qr") -> Arrival:
    """A transient Arrival (never added to the session) with every column value set."""
    now = utcnow()
    arrival = Arrival(
        compound_id=compound.id,
        gate_id=gate.id,
        compound_name=compound.name,
        gate_name=gate.name,
        rider_code=rider_code,
        offline=verdict.offline,
        tenant_id=gate.tenant_id,
        pass_key=new_pass_key(),
        created_at=now,
        source=source,
    )
    _snapshot(arrival, verdict)
    if verdict.auto and not verdict.refused:
        arrival.outcome = "admitted"
        arrival.auto = True
        arrival.decided_at = now
    if verdict.refused:
        arrival.outcome = "refused"
        arrival.refusal = verdict.refusal
        arrival.reason = verdict.reason[:200]
        arrival.blocked_until = verdict.until
        arrival.decided_at = now
    for name, value in _column_defaults().items():
        if name not in arrival.__dict__:
            setattr(arrival, name, value)
    return arrival


def _insert_if_no_recent(
    gate, compound, rider_code: str, verdict: Verdict, source: str = "qr"
) -> Arrival | None:
    """Insert and commit a new arrival unless this rider has one at this gate within
    REUSE_WITHIN (then None, nothing written). Bypasses the ORM flush, so the tenant checks
    the flush would make are made here (and by the door on the statement)."""
    tenant_id = current_tenant_id()
    if tenant_id is None or in_unscoped():
        raise TenantRequired("record_scan needs the gate's tenant as the current tenant")
    if gate.tenant_id != tenant_id or compound.tenant_id != tenant_id:
        raise CrossTenantWrite("record_scan for a gate of another tenant")
    arrival = _new_arrival(gate, compound, rider_code, verdict, source)
    params = {c.name: getattr(arrival, c.name) for c in Arrival.__table__.c if c.name != "id"}
    params["reuse_after"] = arrival.created_at - REUSE_WITHIN
    session = db.session()
    # When nothing else ran in this request's transaction (the gate and the blocklist came
    # from the Redis caches), the one statement runs in autocommit: a single round trip, no
    # BEGIN/COMMIT. The statement is atomic on its own.
    options = {} if session.in_transaction() else {"isolation_level": "AUTOCOMMIT"}
    new_id = tenant_connection(session, **options).execute(_insert_unless_recent(), params).scalar()
    if new_id is None:
        return None
    session.commit()
    arrival.id = new_id
    return arrival


def record_scan(gate, compound, rider_code: str, verdict: Verdict, source: str = "qr") -> Arrival:
    """The arrival for this scan: the recent one at this gate when it still fits, else a new one.

    `gate` and `compound` are the scan's GateInfo/CompoundInfo (or the ORM objects); `source`
    is one of models.SOURCES.
    """
    arrival = _insert_if_no_recent(gate, compound, rider_code, verdict, source)
    if arrival is not None:  # the common case: one statement and the commit
        publish(arrival)
        return arrival
    latest = _latest(gate.id, rider_code)
    if latest is not None:
        expire_if_stale(latest)
        if not verdict.refused and latest.outcome in _REUSABLE:
            return latest
        if verdict.refused and latest.outcome == "refused" and latest.refusal == verdict.refusal:
            return latest
        if verdict.refused and latest.outcome == "pending":
            return refuse(latest, verdict)
    arrival = _new_arrival(gate, compound, rider_code, verdict, source)
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
    arrival.blocked_until = verdict.until
    arrival.decided_at = utcnow()
    db.session.commit()
    publish(arrival)
    return arrival


def register_manual(
    gate, compound, name: str, phone: str, platform: str, rider_code: str = ""
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
