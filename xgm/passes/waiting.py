"""The waiting alarm, server side: a verified rider left pending too long becomes unattended.

Each compound sets two thresholds (Compound.wait_alarm_seconds, wait_escalate_seconds). The
first is the phones' business (the card turns urgent and alerts every 10 s). Past the second,
the arrival is marked unattended here, once, and pushed to every phone of the compound (whatever
gate it watches), which all alert. This runs from the guard list (the poll path, which the
phones call when a card crosses the threshold) and from a periodic sweep on the worker, so it
happens even when no phone is connected.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, select, update

from tenants import unscoped, utcnow
from xgm.alerts import raise_event
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.passes.feed import publish
from xgm.passes.models import Arrival

SWEEP = "unattended-arrivals"
#: The smallest escalation threshold a compound may set (seconds); the sweep looks no earlier.
MIN_ESCALATE = 20
MAX_ESCALATE = 540  # below the 10-minute expiry of a pending arrival
MIN_ALARM = 10
#: The phones repeat an urgent card's alert this often (seconds).
REPEAT_EVERY = 10

log = logging.getLogger(__name__)


def mark_unattended(arrival: Arrival, now: datetime | None = None) -> bool:
    """The moment an arrival becomes unattended: stamp it once and push it to every phone.

    True when this call marked it (False when it was decided, expired or marked meanwhile).
    Whatever else must happen at that moment (an alert to the managers) belongs here.
    """
    now = now or utcnow()
    result = db.session.execute(
        update(Arrival)
        .where(
            Arrival.id == arrival.id,
            Arrival.outcome == "pending",
            Arrival.unattended_at.is_(None),
        )
        .values(unattended_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.commit()
        return False
    _alert_managers(arrival)  # in the same transaction as the stamp: once per arrival
    db.session.commit()
    db.session.refresh(arrival)
    publish(arrival)
    return True


def _alert_managers(arrival: Arrival) -> None:
    """The team alert `unattended` (xgm.alerts): gate and rider code, never a name or phone."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with force_locale("zh_Hans_CN"):  # group robots and the bell read Chinese
        detail = _("骑手等待无人处理")
    raise_event(
        arrival.tenant_id,
        "unattended",
        compound_id=arrival.compound_id,
        ref=f"{arrival.compound_name} · {arrival.gate_name} · {arrival.rider_code}",
        detail=detail,
        link=f"/arrivals/{int(arrival.id)}",
    )


def _due(query, now: datetime) -> list[Arrival]:
    """The arrivals of `query` (joined to their compound) past their compound's threshold."""
    rows = db.session.execute(
        query.where(
            Arrival.outcome == "pending",
            Arrival.unattended_at.is_(None),
            Arrival.manual.is_(False),
            Arrival.created_at <= now - timedelta(seconds=MIN_ESCALATE),
        )
    ).all()
    return [
        arrival
        for arrival, seconds in rows
        if arrival.created_at <= now - timedelta(seconds=seconds)
    ]


def _joined():
    return select(Arrival, Compound.wait_escalate_seconds).join(
        Compound,
        and_(Compound.tenant_id == Arrival.tenant_id, Compound.id == Arrival.compound_id),
    )


def mark_due(compound_id: int, now: datetime | None = None) -> list[Arrival]:
    """Mark the current tenant's compound's arrivals that waited past its threshold."""
    now = now or utcnow()
    due = _due(_joined().where(Arrival.compound_id == compound_id), now)
    return [a for a in due if mark_unattended(a, now)]


def sweep_unattended(now: datetime | None = None) -> int:
    """Mark every tenant's arrivals that waited past their compound's threshold; how many."""
    now = now or utcnow()
    with unscoped():  # system sweep over every tenant
        due = _due(_joined(), now)
        return sum(1 for a in due if mark_unattended(a, now))


def sweep_unattended_job() -> int:
    """The periodic run (every XGM_UNATTENDED_SWEEP_INTERVAL s): schedule the next, then sweep."""
    from xgm.queues.periodic import schedule_next

    schedule_next(SWEEP)
    return sweep_unattended()
