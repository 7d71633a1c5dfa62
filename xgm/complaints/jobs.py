"""RQ jobs of the `complaints` queue: delivery, the outbox sweep, and polling quiet complaints.

Jobs take ids only (JSON serializer) and run inside their tenant; the two periodic jobs are
system work that lists across tenants in one small unscoped() block and then enqueues per-tenant
jobs. Each periodic job schedules its next run before working (see xgm.queues.periodic).
"""

import logging
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select

from tenants import tenant_context, unscoped, utcnow
from xgm.city import CityError
from xgm.complaints.delivery import city_client, deliver
from xgm.complaints.models import OPEN_CITY_STATUSES, Complaint, ComplaintOutbox
from xgm.complaints.outbox import POLL, enqueue_delivery, enqueue_job
from xgm.complaints.reminders import due_reminders, enqueue_reminder
from xgm.complaints.status import poll
from xgm.extensions import db
from xgm.queues.periodic import schedule_next

log = logging.getLogger(__name__)

SWEEP = "complaints-sweep"
POLL_QUIET = "complaints-poll"
#: Rows re-enqueued per sweep run; the rest wait for the next run.
SWEEP_BATCH = 2000
POLL_BATCH = 500


def deliver_complaint(tenant_id: int, complaint_id: int) -> str:
    """Deliver one complaint to the city (one attempt); harmless when run twice."""
    with tenant_context(int(tenant_id)):
        try:
            return deliver(int(tenant_id), int(complaint_id))
        finally:
            db.session.remove()


def due_rows(now, grace: float, limit: int = SWEEP_BATCH) -> list[tuple[int, int, int]]:
    """(tenant_id, complaint_id, attempts) of outbox rows overdue by `grace` s, not held by a job."""
    with unscoped():  # system work: the outbox of every tenant
        rows = db.session.execute(
            select(
                ComplaintOutbox.tenant_id, ComplaintOutbox.complaint_id, ComplaintOutbox.attempts
            )
            .where(
                ComplaintOutbox.delivered_at.is_(None),
                ComplaintOutbox.due_at.is_not(None),
                ComplaintOutbox.due_at <= now - timedelta(seconds=grace),
                or_(ComplaintOutbox.locked_until.is_(None), ComplaintOutbox.locked_until < now),
            )
            .order_by(ComplaintOutbox.due_at)
            .limit(limit)
        ).all()
    return [(t, c, a) for t, c, a in rows]


def sweep_outbox() -> dict:
    """Re-enqueue outbox rows that are due and undelivered: recovers lost or killed jobs."""
    schedule_next(SWEEP)
    try:
        rows = due_rows(utcnow(), float(current_app.config["XGM_COMPLAINT_SWEEP_GRACE"]))
    finally:
        db.session.remove()
    enqueued = sum(enqueue_delivery(t, c, a) for t, c, a in rows)
    try:
        reminders = due_reminders(utcnow(), float(current_app.config["XGM_COMPLAINT_SWEEP_GRACE"]))
    finally:
        db.session.remove()
    enqueued_reminders = sum(enqueue_reminder(t, r, a) for t, r, a in reminders)
    if enqueued or enqueued_reminders:
        log.info(
            "outbox sweep: %d due, %d re-enqueued; reminders %d due, %d re-enqueued",
            len(rows),
            enqueued,
            len(reminders),
            enqueued_reminders,
        )
    return {
        "due": len(rows),
        "enqueued": enqueued,
        "reminders_due": len(reminders),
        "reminders_enqueued": enqueued_reminders,
    }


def quiet_complaints(now, quiet_after: float, limit: int = POLL_BATCH) -> list[tuple[int, int]]:
    """(tenant_id, complaint id) of open complaints the city has said nothing about for a while."""
    cutoff = now - timedelta(seconds=quiet_after)
    with unscoped():  # system work: complaints of every tenant
        rows = db.session.execute(
            select(Complaint.tenant_id, Complaint.id)
            .where(
                Complaint.city_complaint_id.is_not(None),
                Complaint.status.in_(OPEN_CITY_STATUSES),
                or_(Complaint.last_news_at.is_(None), Complaint.last_news_at < cutoff),
            )
            .order_by(Complaint.last_news_at)
            .limit(limit)
        ).all()
    return [(t, c) for t, c in rows]


def poll_quiet_complaints() -> dict:
    """Ask the city about complaints with no news for XGM_COMPLAINT_QUIET_AFTER seconds."""
    schedule_next(POLL_QUIET)
    config = current_app.config
    try:
        rows = quiet_complaints(utcnow(), float(config["XGM_COMPLAINT_QUIET_AFTER"]))
    finally:
        db.session.remove()
    slot = int(time.time() // max(1, int(config["XGM_COMPLAINT_POLL_INTERVAL"])))
    enqueued = sum(enqueue_job(POLL, f"xgm-complaint-poll-{c}-{slot}", (t, c)) for t, c in rows)
    return {"quiet": len(rows), "enqueued": enqueued}


def poll_complaint(tenant_id: int, complaint_id: int) -> int:
    """Fetch one complaint's status history from the city; returns the changes recorded."""
    with tenant_context(int(tenant_id)):
        try:
            complaint = db.session.scalars(
                select(Complaint).where(Complaint.id == int(complaint_id))
            ).first()
            if complaint is None or not complaint.city_complaint_id:
                return 0
            try:
                added = poll(complaint, city_client())
            except CityError as exc:
                log.warning("poll of complaint %s failed: %s", complaint_id, exc.message)
                db.session.rollback()
                return 0
            db.session.commit()
            return added
        finally:
            db.session.remove()
