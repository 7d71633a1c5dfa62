"""催办: a manager chases an overdue complaint; the reminder reaches the city exactly once.

Same mechanism as complaint delivery (xgm.complaints.delivery): the reminder row is its own
outbox row, written with the timeline line in one transaction and enqueued after commit; a
job takes the row with a lease (a conditional UPDATE, so two jobs never both send), POSTs it
with the reminder's Idempotency-Key outside any transaction, and records the outcome;
transient failures (429, 5xx, timeouts, 401) are retried with the deliveries' backoff until
the retry horizon; the outbox sweep re-enqueues rows whose job was lost. The city counts a key
once, so a retry after a lost answer adds no second reminder there.
"""

import logging
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from tenants import current_tenant_id, tenant_context, unscoped, utcnow
from xgm.audit import record
from xgm.city import (
    CityError,
    CityRateLimited,
    CityUnavailable,
    ComplaintClosed,
    ComplaintRejected,
    UnknownComplaint,
)
from xgm.complaints.deadlines import overdue_kinds
from xgm.complaints.delivery import RETRY_AFTER_JITTER, city_client, retry_delay
from xgm.complaints.models import (
    OPEN_CITY_STATUSES,
    Complaint,
    ComplaintEvent,
    ComplaintReminder,
)
from xgm.complaints.outbox import enqueue_job
from xgm.complaints.payload import iso_cn
from xgm.extensions import db

log = logging.getLogger(__name__)

DELIVER_REMINDER = "xgm.complaints.reminders.deliver_reminder_job"
MAX_NOTE = 200
DEFAULT_NOTE = "该投诉已超过处理时限，请尽快处理并答复。"


class ChaseRefused(ValueError):
    """The complaint cannot be chased now; the message says why (Chinese, for the manager)."""


def reminder_job_id(reminder_id: int, attempt: int) -> str:
    """The RQ job id of attempt number `attempt + 1` of a reminder."""
    return f"xgm-reminder-{int(reminder_id)}-{int(attempt)}"


def enqueue_reminder(tenant_id: int, reminder_id: int, attempt: int, delay: float = 0.0) -> bool:
    """Enqueue the delivery job of a reminder's next attempt (ids only)."""
    return enqueue_job(
        DELIVER_REMINDER,
        reminder_job_id(reminder_id, attempt),
        (int(tenant_id), int(reminder_id)),
        delay=delay,
        lease=float(current_app.config["XGM_COMPLAINT_LEASE"]),
    )


def pending_reminder(complaint: Complaint) -> ComplaintReminder | None:
    """The complaint's reminder still on its way to the city, if any."""
    return db.session.scalars(
        select(ComplaintReminder).where(
            ComplaintReminder.complaint_id == complaint.id, ComplaintReminder.status == "queued"
        )
    ).first()


def chase_problem(complaint: Complaint, now: datetime | None = None) -> str | None:
    """Why the complaint cannot be chased now (a Chinese sentence), or None when it can."""
    from flask_babel import gettext as _

    if not complaint.city_complaint_id or complaint.status not in OPEN_CITY_STATUSES:
        return _("只有城市平台正在处理的投诉才能催办。")
    if not overdue_kinds(complaint, now):
        return _("投诉尚未超过处理时限，暂不能催办。")
    if pending_reminder(complaint) is not None:
        return _("上一次催办正在发送，请稍后再试。")
    return None


def chase(complaint: Complaint, user_id: int | None, note: str = "") -> ComplaintReminder:
    """Queue a reminder about an overdue complaint: row + timeline line in one commit, enqueue."""
    problem = chase_problem(complaint)
    if problem:
        raise ChaseRefused(problem)
    now = utcnow()
    horizon = float(current_app.config["XGM_COMPLAINT_RETRY_HORIZON"])
    reminder = ComplaintReminder(
        complaint_id=complaint.id,
        note=(note or "").strip()[:MAX_NOTE] or DEFAULT_NOTE,
        at=iso_cn(now),
        user_id=user_id,
        due_at=now,
        give_up_at=now + timedelta(seconds=horizon),
        created_at=now,
    )
    db.session.add(reminder)
    db.session.flush()
    record("complaint.chased", detail={"complaint": complaint.reference, "note": reminder.note})
    db.session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind="chase",
            status="queued",
            note=reminder.note,
            created_at=now,
        )
    )
    db.session.commit()
    enqueue_reminder(current_tenant_id(), reminder.id, 0)
    return reminder


def _take(reminder_id: int, now: datetime, lease: float) -> ComplaintReminder | None:
    """Put a lease on the reminder row for one attempt; None when sent, not due or held."""
    taken = db.session.execute(
        update(ComplaintReminder)
        .where(
            ComplaintReminder.id == reminder_id,
            ComplaintReminder.status == "queued",
            ComplaintReminder.due_at.is_not(None),
            ComplaintReminder.due_at <= now + timedelta(seconds=1),
            or_(ComplaintReminder.locked_until.is_(None), ComplaintReminder.locked_until < now),
        )
        .values(
            locked_until=now + timedelta(seconds=lease), attempts=ComplaintReminder.attempts + 1
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if taken != 1:
        return None
    return db.session.scalars(
        select(ComplaintReminder).where(ComplaintReminder.id == reminder_id)
    ).one()


def _event(reminder: ComplaintReminder, status: str, note: str = "", http_status=None, **kw):
    db.session.add(
        ComplaintEvent(
            complaint_id=reminder.complaint_id,
            kind="reminder",
            status=status,
            note=note,
            http_status=http_status,
            attempt=reminder.attempts,
            created_at=utcnow(),
            **kw,
        )
    )


def deliver_reminder(tenant_id: int, reminder_id: int) -> str:
    """One attempt to send a reminder (inside its tenant); returns the outcome's name."""
    config = current_app.config
    reminder = _take(reminder_id, utcnow(), float(config["XGM_COMPLAINT_LEASE"]))
    if reminder is None:
        return "skipped"
    city_id = db.session.scalar(
        select(Complaint.city_complaint_id).where(Complaint.id == reminder.complaint_id)
    )
    db.session.commit()  # no transaction stays open during the HTTP call
    try:
        receipt = city_client().post_reminder(
            city_id, reminder.note, reminder.at, reminder.idempotency_key
        )
    except CityRateLimited as exc:
        return _retry(tenant_id, reminder, exc, exc.retry_after)
    except (ComplaintClosed, UnknownComplaint, ComplaintRejected) as exc:
        return _finish(reminder, "failed", exc.message, exc.status)
    except (CityUnavailable, CityError) as exc:
        return _retry(tenant_id, reminder, exc)
    reminder.city_count = receipt.reminders
    return _finish(reminder, "sent", str(receipt.reminders), 201 if receipt.first_receipt else 200)


def _finish(reminder: ComplaintReminder, status: str, note: str, http_status) -> str:
    """The reminder reached the city (sent) or was refused for good (failed)."""
    now = utcnow()
    reminder.status = status
    reminder.due_at = None
    reminder.locked_until = None
    if status == "sent":
        reminder.delivered_at = now
        reminder.last_error = ""
    else:
        reminder.last_error = note
    _event(reminder, status, note, http_status)
    db.session.commit()
    return status


def _retry(tenant_id: int, reminder: ComplaintReminder, exc: CityError, retry_after=None) -> str:
    """A transient failure: the next attempt after the backoff (or Retry-After)."""
    config = current_app.config
    now = utcnow()
    if now >= reminder.give_up_at:
        return _finish(reminder, "failed", exc.message, exc.status)
    if retry_after is not None:
        delay = retry_after * (1 + random.uniform(0, RETRY_AFTER_JITTER))
    else:
        delay = retry_delay(
            reminder.attempts,
            float(config["XGM_COMPLAINT_RETRY_BASE"]),
            float(config["XGM_COMPLAINT_RETRY_MAX"]),
        )
    due = min(now + timedelta(seconds=delay), reminder.give_up_at)
    reminder.due_at = due
    reminder.locked_until = None
    reminder.last_error = exc.message
    _event(reminder, "retry", exc.message, exc.status, retry_at=due)
    db.session.commit()
    enqueue_reminder(tenant_id, reminder.id, reminder.attempts, delay=(due - now).total_seconds())
    return "retry"


def deliver_reminder_job(tenant_id: int, reminder_id: int) -> str:
    """RQ job: one attempt of a reminder; harmless when run twice."""
    with tenant_context(int(tenant_id)):
        try:
            return deliver_reminder(int(tenant_id), int(reminder_id))
        finally:
            db.session.remove()


def due_reminders(now, grace: float, limit: int = 2000) -> list[tuple[int, int, int]]:
    """(tenant_id, reminder id, attempts) of reminders overdue by `grace` s and not held."""
    with unscoped():  # system work: the reminders of every tenant
        rows = db.session.execute(
            select(ComplaintReminder.tenant_id, ComplaintReminder.id, ComplaintReminder.attempts)
            .where(
                ComplaintReminder.status == "queued",
                ComplaintReminder.due_at.is_not(None),
                ComplaintReminder.due_at <= now - timedelta(seconds=grace),
                or_(
                    ComplaintReminder.locked_until.is_(None),
                    ComplaintReminder.locked_until < now,
                ),
            )
            .order_by(ComplaintReminder.due_at)
            .limit(limit)
        ).all()
    return [(t, r, a) for t, r, a in rows]
