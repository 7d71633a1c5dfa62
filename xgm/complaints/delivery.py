"""Delivering one complaint to the city: claim the outbox row, POST it signed, record the outcome.

The HTTP call runs outside any database transaction: the job first claims the outbox row with a
lease (`locked_until`), so a second job for the same complaint (a duplicate enqueue, the sweep)
does nothing while the first is in flight, and a job killed mid-call leaves a lease that simply
runs out, after which the sweep re-enqueues the row. The city deduplicates by Idempotency-Key, so
a retry after a lost answer creates nothing new there.
"""

import json
import logging
import random
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, or_, select, update

from tenants import utcnow
from xgm.city import (
    CityError,
    CityRateLimited,
    CityUnavailable,
    ComplaintReceipt,
    ComplaintRejected,
    UnknownRider,
    client_from_config,
)
from xgm.complaints.models import STATUS_RANK, Complaint, ComplaintEvent, ComplaintOutbox
from xgm.complaints.outbox import enqueue_delivery
from xgm.extensions import db

log = logging.getLogger(__name__)

#: A job may run a retry that much before its due time (clock differences between hosts).
EARLY = timedelta(seconds=1)
#: Extra random wait on top of a 429's Retry-After, so throttled jobs do not return together.
RETRY_AFTER_JITTER = 0.2


def retry_delay(attempt: int, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based): exponential, jittered.

    The ceiling d = min(cap, base * 2**(attempt-1)); the delay is uniform in [d/2, d] ("equal
    jitter"), so retries spread out but never come sooner than half the schedule.
    """
    rng = rng or random
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return ceiling / 2 + rng.uniform(0, ceiling / 2)


def city_client():
    """The city client of this process (built once from the app configuration)."""
    ext = current_app.extensions
    if "xgm_city_client" not in ext:
        ext["xgm_city_client"] = client_from_config(current_app.config)
    return ext["xgm_city_client"]


def _claimable(now: datetime):
    """Conditions of an outbox row a job may take now."""
    return (
        ComplaintOutbox.delivered_at.is_(None),
        ComplaintOutbox.due_at.is_not(None),
        ComplaintOutbox.due_at <= now + EARLY,
        or_(ComplaintOutbox.locked_until.is_(None), ComplaintOutbox.locked_until < now),
    )


def claim(complaint_id: int, now: datetime, lease: float) -> tuple[ComplaintOutbox, bool] | None:
    """Take the complaint's outbox row for one attempt; None if delivered, not due or taken.

    Returns (row, recovered) where recovered is True when an earlier attempt's lease ran out
    without an outcome (its worker died). Commits: no transaction stays open after this.
    """
    until = now + timedelta(seconds=lease)
    if db.engine.dialect.name == "postgresql":
        row = db.session.scalars(
            select(ComplaintOutbox)
            .where(ComplaintOutbox.complaint_id == complaint_id, *_claimable(now))
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            db.session.rollback()
            return None
        recovered = row.locked_until is not None
        row.locked_until = until
        row.attempts += 1
    else:
        # SQLite has no row locks: a conditional UPDATE takes the row or matches nothing.
        stale = db.session.scalar(
            select(ComplaintOutbox.locked_until).where(ComplaintOutbox.complaint_id == complaint_id)
        )
        result = db.session.execute(
            update(ComplaintOutbox)
            .where(ComplaintOutbox.complaint_id == complaint_id, *_claimable(now))
            .values(locked_until=until, attempts=ComplaintOutbox.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            db.session.rollback()
            return None
        recovered = stale is not None
        row = _outbox(complaint_id)
    db.session.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id)
        .values(
            attempts=Complaint.attempts + 1,
            status=_sending_status(),
        )
        .execution_options(synchronize_session=False)
    )
    if recovered:
        db.session.add(ComplaintEvent(complaint_id=complaint_id, kind="recovered", created_at=now))
    db.session.commit()
    return row, recovered


def _sending_status():
    """SQL expression: 'sending' for a complaint still queued, its status otherwise."""
    return case((Complaint.status == "queued", "sending"), else_=Complaint.status)


def _outbox(complaint_id: int, lock: bool = False) -> ComplaintOutbox | None:
    query = select(ComplaintOutbox).where(ComplaintOutbox.complaint_id == complaint_id)
    if lock and db.engine.dialect.name == "postgresql":
        query = query.with_for_update()
    return db.session.scalars(query.execution_options(populate_existing=True)).first()


def _complaint(complaint_id: int) -> Complaint | None:
    return db.session.scalars(
        select(Complaint)
        .where(Complaint.id == complaint_id)
        .execution_options(populate_existing=True)
    ).first()


def deliver(tenant_id: int, complaint_id: int) -> str:
    """One delivery attempt of a complaint (inside its tenant); returns the outcome's name."""
    config = current_app.config
    claimed = claim(complaint_id, utcnow(), float(config["XGM_COMPLAINT_LEASE"]))
    if claimed is None:
        return "skipped"
    complaint = _complaint(complaint_id)
    attempt = complaint.attempts
    payload, key = complaint.payload_dict, complaint.idempotency_key
    db.session.commit()  # no transaction open during the HTTP call
    try:
        receipt = city_client().post_complaint(payload, key)
    except CityRateLimited as exc:
        return _retry(tenant_id, complaint_id, attempt, exc, retry_after=exc.retry_after)
    except CityUnavailable as exc:
        return _retry(tenant_id, complaint_id, attempt, exc)
    except (ComplaintRejected, UnknownRider) as exc:
        fields = exc.fields if isinstance(exc, ComplaintRejected) else {}
        return _fail(complaint_id, attempt, "rejected", exc.message, exc.status, fields)
    except CityError as exc:
        # 401 (our signature or clock) or an answer outside the contract: not the complaint's
        # fault, so it is retried like an outage until someone fixes the configuration.
        log.error("complaint %s: city answered %s: %s", complaint_id, exc.status, exc.message)
        return _retry(tenant_id, complaint_id, attempt, exc)
    return _received(complaint_id, attempt, receipt)


def _attempt_event(complaint_id: int, attempt: int, outcome: str, **fields) -> ComplaintEvent:
    event = ComplaintEvent(
        complaint_id=complaint_id, kind="attempt", status=outcome, attempt=attempt, **fields
    )
    db.session.add(event)
    return event


def _received(complaint_id: int, attempt: int, receipt: ComplaintReceipt) -> str:
    """Record the city's receipt: the row is delivered, the complaint received with its city id."""
    now = utcnow()
    row = _outbox(complaint_id, lock=True)
    complaint = _complaint(complaint_id)
    http_status = 201 if receipt.first_receipt else 200
    _attempt_event(
        complaint_id, attempt, "received", http_status=http_status, note=receipt.complaint_id
    )
    if row.delivered_at is None:
        row.delivered_at = now
    row.due_at = None
    row.locked_until = None
    row.last_error = ""
    if complaint.city_complaint_id and complaint.city_complaint_id != receipt.complaint_id:
        log.error(
            "complaint %s: city id %s differs from the known %s",
            complaint_id,
            receipt.complaint_id,
            complaint.city_complaint_id,
        )
    complaint.city_complaint_id = complaint.city_complaint_id or receipt.complaint_id
    complaint.received_at = complaint.received_at or now
    complaint.last_news_at = now
    complaint.last_error = ""
    complaint.error_fields = ""
    complaint.failure_kind = ""
    if STATUS_RANK[complaint.status] < STATUS_RANK["received"]:
        complaint.status = "received"
        db.session.add(
            ComplaintEvent(
                complaint_id=complaint_id, kind="status", status="received", source="city"
            )
        )
    db.session.commit()
    return "received"


def _retry(
    tenant_id: int,
    complaint_id: int,
    attempt: int,
    exc: CityError,
    retry_after: float | None = None,
) -> str:
    """A transient failure: set the next due time (backoff or Retry-After) and schedule it."""
    config = current_app.config
    now = utcnow()
    row = _outbox(complaint_id, lock=True)
    if row.delivered_at is not None:  # another attempt got through meanwhile
        db.session.rollback()
        return "received"
    if retry_after is not None:
        delay = retry_after * (1 + random.uniform(0, RETRY_AFTER_JITTER))
    else:
        delay = retry_delay(
            row.attempts,
            float(config["XGM_COMPLAINT_RETRY_BASE"]),
            float(config["XGM_COMPLAINT_RETRY_MAX"]),
        )
    if now >= row.give_up_at:
        db.session.rollback()
        return _fail(complaint_id, attempt, "expired", exc.message, exc.status, {})
    due = min(now + timedelta(seconds=delay), row.give_up_at)
    row.due_at = due
    row.locked_until = None
    row.last_error = exc.message
    complaint = _complaint(complaint_id)
    complaint.last_error = exc.message
    _attempt_event(
        complaint_id, attempt, "retry", http_status=exc.status, note=exc.message, retry_at=due
    )
    db.session.commit()
    enqueue_delivery(tenant_id, complaint_id, row.attempts, delay=(due - now).total_seconds())
    return "retry"


def _fail(
    complaint_id: int,
    attempt: int,
    kind: str,
    message: str,
    http_status: int | None,
    fields: dict[str, str],
) -> str:
    """Stop delivering: the city refused the body (rejected) or 24 h went by (expired)."""
    row = _outbox(complaint_id, lock=True)
    if row.delivered_at is not None:
        db.session.rollback()
        return "received"
    row.due_at = None
    row.locked_until = None
    row.last_error = message
    complaint = _complaint(complaint_id)
    complaint.status = "failed"
    complaint.failure_kind = kind
    complaint.last_error = message
    complaint.error_fields = json.dumps(fields, ensure_ascii=False) if fields else ""
    _attempt_event(complaint_id, attempt, "failed", http_status=http_status, note=message)
    db.session.add(
        ComplaintEvent(complaint_id=complaint_id, kind="status", status="failed", note=kind)
    )
    db.session.commit()
    return "failed"
