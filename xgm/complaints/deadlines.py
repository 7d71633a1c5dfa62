"""Complaint deadlines: the city's first answer and its resolution, and when they are missed.

A complaint is due a first answer (the city moving it past `received`: forwarded,
investigating, resolved or rejected) `Tenant.complaint_answer_hours` after filing (default
24 h), and a resolution (resolved or rejected) `Tenant.complaint_resolve_days` after filing
(default 7 days); each tenant sets its own within ANSWER_HOURS and RESOLVE_DAYS. A complaint
that never reached the city (queued, sending, failed) is not overdue: its delivery has its own
state. The overdue sweep (a periodic job) records the moment each deadline passes, once, in
`became_overdue`.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from tenants import tenant_context, unscoped, utcnow
from xgm.complaints import alerting
from xgm.complaints.models import Complaint, ComplaintEvent
from xgm.extensions import db

log = logging.getLogger(__name__)

ANSWER_HOURS = (1, 72)
RESOLVE_DAYS = (1, 30)
DEFAULT_ANSWER_HOURS = 24
DEFAULT_RESOLVE_DAYS = 7
#: Complaints the city has not got: never overdue (their delivery is what to look at).
NOT_AT_CITY = ("queued", "sending", "failed")
KINDS = ("answer", "resolve")
SWEEP_BATCH = 1000


def due_times(tenant, filed_at: datetime) -> tuple[datetime, datetime]:
    """(first answer due, resolution due) of a complaint filed at `filed_at` by this tenant."""
    hours = int(tenant.complaint_answer_hours or DEFAULT_ANSWER_HOURS)
    days = int(tenant.complaint_resolve_days or DEFAULT_RESOLVE_DAYS)
    return filed_at + timedelta(hours=hours), filed_at + timedelta(days=days)


def overdue_kinds(complaint: Complaint, now: datetime | None = None) -> tuple[str, ...]:
    """Which deadlines of the complaint have passed unmet: () or ("answer",) / ("resolve",) ..."""
    if complaint.status in NOT_AT_CITY:
        return ()
    now = now or utcnow()
    kinds = []
    if complaint.answered_at is None and complaint.answer_due_at and complaint.answer_due_at <= now:
        kinds.append("answer")
    if complaint.closed_at is None and complaint.resolve_due_at and complaint.resolve_due_at <= now:
        kinds.append("resolve")
    return tuple(kinds)


def overdue_condition(model, now: datetime, kind: str | None = None):
    """SQL: the complaint (Complaint, or a table with its columns) is overdue now."""
    at_city = model.status.not_in(NOT_AT_CITY)
    answer = and_(model.answered_at.is_(None), model.answer_due_at <= now)
    resolve = and_(model.closed_at.is_(None), model.resolve_due_at <= now)
    if kind == "answer":
        return and_(at_city, answer)
    if kind == "resolve":
        return and_(at_city, resolve)
    return and_(at_city, or_(answer, resolve))


def became_overdue(tenant_id: int, complaint_id: int, kind: str, now: datetime) -> None:
    """THE moment a complaint becomes overdue (kind "answer" or "resolve"): called exactly once
    per complaint and kind, inside the complaint's tenant, before the sweep commits.

    Puts the line on the timeline and raises the team alert `complaint_overdue`.
    """
    db.session.add(
        ComplaintEvent(complaint_id=complaint_id, kind="overdue", status=kind, created_at=now)
    )
    alerting.became_overdue(complaint_id, kind)
    log.info("complaint %s of tenant %s is overdue (%s)", complaint_id, tenant_id, kind)


def _newly_overdue(now: datetime, kind: str, limit: int) -> list[tuple[int, int]]:
    """(tenant_id, complaint id) of complaints whose `kind` deadline passed and is not marked."""
    marked = Complaint.answer_overdue_at if kind == "answer" else Complaint.resolve_overdue_at
    with unscoped():  # system work: deadlines of every tenant
        rows = db.session.execute(
            select(Complaint.tenant_id, Complaint.id)
            .where(overdue_condition(Complaint, now, kind), marked.is_(None))
            .order_by(Complaint.id)
            .limit(limit)
        ).all()
    return [(t, c) for t, c in rows]


def mark_overdue(now: datetime | None = None, limit: int = SWEEP_BATCH) -> dict[str, int]:
    """Record every deadline that has passed since the last run; returns how many per kind.

    Each mark is a conditional UPDATE (still unmarked), so two sweeps racing mark a complaint
    once and `became_overdue` runs once for it.
    """
    now = now or utcnow()
    done = dict.fromkeys(KINDS, 0)
    for kind in KINDS:
        column = "answer_overdue_at" if kind == "answer" else "resolve_overdue_at"
        for tenant_id, complaint_id in _newly_overdue(now, kind, limit):
            with tenant_context(tenant_id):
                taken = db.session.execute(
                    update(Complaint)
                    .where(Complaint.id == complaint_id, getattr(Complaint, column).is_(None))
                    .values({column: now})
                    .execution_options(synchronize_session=False)
                ).rowcount
                if taken == 1:
                    became_overdue(tenant_id, complaint_id, kind, now)
                    done[kind] += 1
                db.session.commit()
    return done


def sweep_overdue() -> dict[str, int]:
    """Periodic job: mark the complaints that became overdue since the last run."""
    from xgm.queues.periodic import schedule_next

    schedule_next(OVERDUE_SWEEP)
    try:
        return mark_overdue()
    finally:
        db.session.remove()


OVERDUE_SWEEP = "complaints-overdue"
