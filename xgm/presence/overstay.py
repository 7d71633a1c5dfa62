"""Overstay: a rider inside longer than the compound's limit (default 30 minutes) alerts the
compound's guard phones and the manager's dashboard, until the rider leaves.

`overstay_started` is the one place an overstay begins and `overstay_closed` where it ends:
the alerts feature (xgm.alerts.raise_event) hooks in there. The sweep runs every
XGM_OVERSTAY_SWEEP_INTERVAL seconds on the worker, and for one compound whenever its inside
list is read.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from tenants import tenant_context, unscoped, utcnow
from xgm.alerts import raise_event
from xgm.audit import record
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.passes.feed import publish
from xgm.passes.models import Arrival
from xgm.presence.stays import INSIDE_WINDOW, minutes_inside

log = logging.getLogger(__name__)

SWEEP = "overstay-sweep"
#: The compound setting's default and bounds (minutes).
DEFAULT_MINUTES = 30
MIN_MINUTES, MAX_MINUTES = 5, 720

#: record() fields of an event the system noticed.
SYSTEM_ACTOR = {"actor_kind": "system", "actor_id": None, "actor_name": ""}


def overstay_started(arrival: Arrival) -> None:
    """An overstay alert begins for this arrival (its overstay_at is set and committed): the
    audit log, and the compound's phones through the live feed (the card turns red)."""
    record(
        "arrival.overstay",
        **SYSTEM_ACTOR,
        detail={
            "compound": arrival.compound_name,
            "gate": arrival.gate_name,
            "arrival": arrival.id,
            "rider": arrival.rider_name,
            "minutes": minutes_inside(arrival),
        },
    )
    _alert_managers(arrival)
    db.session.commit()
    publish(arrival)


def _alert_managers(arrival: Arrival) -> None:
    """The team alert `overstay` (xgm.alerts): compound, gate and rider code, no name or phone."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale("zh_Hans_CN"):  # group robots and the bell read Chinese
        detail = _("已在院内 %(n)s 分钟", n=minutes_inside(arrival))
    raise_event(
        arrival.tenant_id,
        "overstay",
        compound_id=arrival.compound_id,
        ref=f"{arrival.compound_name} · {arrival.gate_name} · {arrival.rider_code}",
        detail=detail,
        link=f"/arrivals/{int(arrival.id)}",
    )


def overstay_closed(arrival: Arrival) -> None:
    """The overstay alert of this arrival ends: the rider left (left_at is set and committed)."""
    record(
        "arrival.overstay_closed",
        **SYSTEM_ACTOR,
        detail={
            "compound": arrival.compound_name,
            "gate": arrival.gate_name,
            "arrival": arrival.id,
            "rider": arrival.rider_name,
            "minutes": minutes_inside(arrival),
        },
    )
    db.session.commit()


def _due(rows, now: datetime) -> list[int]:
    return [
        arrival_id
        for arrival_id, decided_at, minutes in rows
        if decided_at <= now - timedelta(minutes=minutes or DEFAULT_MINUTES)
    ]


def _start(arrival_ids: list[int], now: datetime) -> int:
    started = 0
    for arrival_id in arrival_ids:
        changed = db.session.execute(
            update(Arrival)
            .where(
                Arrival.id == arrival_id,
                Arrival.left_at.is_(None),
                Arrival.overstay_at.is_(None),
            )
            .values(overstay_at=now)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if changed.rowcount == 1:
            arrival = db.session.get(Arrival, arrival_id)
            db.session.refresh(arrival)
            overstay_started(arrival)
            started += 1
    return started


def sweep_compound(compound_id: int, now: datetime | None = None) -> int:
    """Start the overstay alerts due in one compound (current tenant); returns how many."""
    now = now or utcnow()
    rows = db.session.execute(_query(now).where(Arrival.compound_id == compound_id)).all()
    return _start(_due(rows, now), now)


def _query(now: datetime):
    return (
        select(Arrival.id, Arrival.decided_at, Compound.overstay_minutes)
        .join(
            Compound,
            (Compound.id == Arrival.compound_id) & (Compound.tenant_id == Arrival.tenant_id),
        )
        .where(
            Arrival.outcome == "admitted",
            Arrival.left_at.is_(None),
            Arrival.overstay_at.is_(None),
            Arrival.decided_at > now - INSIDE_WINDOW,
            Arrival.decided_at <= now - timedelta(minutes=MIN_MINUTES),
        )
    )


def sweep_everywhere(now: datetime | None = None) -> int:
    """The periodic sweep: start every tenant's due overstay alerts; returns how many."""
    now = now or utcnow()
    with unscoped():  # system sweep: open stays of every tenant, by the cross-tenant index
        rows = db.session.execute(_query(now).add_columns(Arrival.tenant_id)).all()
    db.session.rollback()
    by_tenant: dict[int, list] = {}
    for arrival_id, decided_at, minutes, tenant_id in rows:
        by_tenant.setdefault(tenant_id, []).append((arrival_id, decided_at, minutes))
    started = 0
    for tenant_id, tenant_rows in by_tenant.items():
        with tenant_context(tenant_id):
            started += _start(_due(tenant_rows, now), now)
    return started


def sweep_job() -> int:
    """The periodic run (every XGM_OVERSTAY_SWEEP_INTERVAL s): schedule the next, then sweep."""
    from xgm.queues.periodic import schedule_next

    schedule_next(SWEEP)
    return sweep_everywhere()


def open_overstays(compound_ids: list[int] | None = None, now: datetime | None = None) -> list:
    """The current tenant's open overstays (the dashboard's alert list), longest first."""
    now = now or utcnow()
    query = select(Arrival).where(
        Arrival.outcome == "admitted",
        Arrival.left_at.is_(None),
        Arrival.overstay_at.is_not(None),
        Arrival.decided_at > now - INSIDE_WINDOW,
    )
    if compound_ids is not None:
        query = query.where(Arrival.compound_id.in_(compound_ids))
    return list(db.session.scalars(query.order_by(Arrival.decided_at).limit(100)))
