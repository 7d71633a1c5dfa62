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
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, func, or_, select, update

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


@dataclass(frozen=True)
class Claim:
    """An outbox row taken for one attempt, with what the attempt needs."""

    #: Attempts of the current delivery run, this one included (drives the backoff).
    run_attempt: int
    give_up_at: datetime
    #: Attempts over the complaint's life, this one included (shown on the timeline).
    attempt: int
    payload: str
    idempotency_key: str
    #: True when an earlier attempt's lease ran out without an outcome (its worker died).
    recovered: bool


def claim(complaint_id: int, now: datetime, lease: float) -> Claim | None:
    """Take the complaint's outbox row for one attempt; None if delivered, not due or taken.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent jobs never wait on each other;
    SQLite (no row locks): a conditional UPDATE takes the row or matches nothing. Either way the
    row then carries a lease (locked_until) and the transaction commits at once: no transaction
    stays open during the HTTP call.
    """
    until = now + timedelta(seconds=lease)
    mine = (ComplaintOutbox.complaint_id == complaint_id, *_claimable(now))
    if db.engine.dialect.name == "postgresql":
        row = db.session.execute(
            select(ComplaintOutbox.id, ComplaintOutbox.locked_until)
            .where(*mine)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            db.session.rollback()
            return None
        recovered = row.locked_until is not None
        mine = (ComplaintOutbox.id == row.id,)
    else:
        recovered = db.session.scalar(select(ComplaintOutbox.locked_until).where(*mine)) is not None
    taken = db.session.execute(
        update(ComplaintOutbox)
        .where(*mine)
        .values(locked_until=until, attempts=ComplaintOutbox.attempts + 1)
        .returning(ComplaintOutbox.attempts, ComplaintOutbox.give_up_at)
        .execution_options(synchronize_session=False)
    ).first()
    if taken is None:
        db.session.rollback()
        return None
    complaint = db.session.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id)
        .values(
            attempts=Complaint.attempts + 1,
            status=case((Complaint.status == "queued", "sending"), else_=Complaint.status),
        )
        .returning(Complaint.attempts, Complaint.payload, Complaint.idempotency_key)
        .execution_options(synchronize_session=False)
    ).one()
    if recovered:
        db.session.add(ComplaintEvent(complaint_id=complaint_id, kind="recovered", created_at=now))
    db.session.commit()
    return Claim(
        run_attempt=taken.attempts,
        give_up_at=taken.give_up_at,
        attempt=complaint.attempts,
        payload=complaint.payload,
        idempotency_key=complaint.idempotency_key,
        recovered=recovered,
    )


def deliver(tenant_id: int, complaint_id: int) -> str:
    """One delivery attempt of a complaint (inside its tenant); returns the outcome's name."""
    config = current_app.config
    taken = claim(complaint_id, utcnow(), float(config["XGM_COMPLAINT_LEASE"]))
    if taken is None:
        return "skipped"
    try:
        receipt = city_client().post_complaint(json.loads(taken.payload), taken.idempotency_key)
    except CityRateLimited as exc:
        return _retry(tenant_id, complaint_id, taken, exc, retry_after=exc.retry_after)
    except CityUnavailable as exc:
        return _retry(tenant_id, complaint_id, taken, exc)
    except (ComplaintRejected, UnknownRider) as exc:
        fields = exc.fields if isinstance(exc, ComplaintRejected) else {}
        return _fail(complaint_id, taken, "rejected", exc.message, exc.status, fields)
    except CityError as exc:
        # 401 (our signature or clock) or an answer outside the contract: not the complaint's
        # fault, so it is retried like an outage until someone fixes the configuration.
        log.error("complaint %s: city answered %s: %s", complaint_id, exc.status, exc.message)
        return _retry(tenant_id, complaint_id, taken, exc)
    return _received(complaint_id, taken, receipt)


def _undelivered(complaint_id: int, **values) -> bool:
    """Update the outbox row unless another attempt delivered it meanwhile; True if updated."""
    result = db.session.execute(
        update(ComplaintOutbox)
        .where(ComplaintOutbox.complaint_id == complaint_id, ComplaintOutbox.delivered_at.is_(None))
        .values(locked_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _set_complaint(complaint_id: int, *conditions, **values) -> bool:
    """UPDATE the complaint (with extra conditions); True when it matched."""
    result = db.session.execute(
        update(Complaint)
        .where(Complaint.id == complaint_id, *conditions)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _attempt_event(complaint_id: int, taken: Claim, outcome: str, **fields) -> None:
    db.session.add(
        ComplaintEvent(
            complaint_id=complaint_id,
            kind="attempt",
            status=outcome,
            attempt=taken.attempt,
            **fields,
        )
    )


def _received(complaint_id: int, taken: Claim, receipt: ComplaintReceipt) -> str:
    """Record the city's receipt: the row is delivered, the complaint received with its city id."""
    now = utcnow()
    db.session.execute(
        update(ComplaintOutbox)
        .where(ComplaintOutbox.complaint_id == complaint_id)
        .values(
            delivered_at=func.coalesce(ComplaintOutbox.delivered_at, now),
            due_at=None,
            locked_until=None,
            last_error="",
        )
        .execution_options(synchronize_session=False)
    )
    common = {
        "city_complaint_id": func.coalesce(Complaint.city_complaint_id, receipt.complaint_id),
        "received_at": func.coalesce(Complaint.received_at, now),
        "last_news_at": now,
        "last_error": "",
        "error_fields": "",
        "failure_kind": "",
    }
    not_yet = [s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK["received"]]
    moved = _set_complaint(complaint_id, Complaint.status.in_(not_yet), status="received", **common)
    if not moved:  # the city's news (a webhook) got here first
        _set_complaint(complaint_id, **common)
    _attempt_event(
        complaint_id,
        taken,
        "received",
        http_status=201 if receipt.first_receipt else 200,
        note=receipt.complaint_id,
    )
    if moved:
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
    taken: Claim,
    exc: CityError,
    retry_after: float | None = None,
) -> str:
    """A transient failure: set the next due time (backoff or Retry-After) and schedule it."""
    config = current_app.config
    now = utcnow()
    if now >= taken.give_up_at:
        return _fail(complaint_id, taken, "expired", exc.message, exc.status, {})
    if retry_after is not None:
        delay = retry_after * (1 + random.uniform(0, RETRY_AFTER_JITTER))
    else:
        delay = retry_delay(
            taken.run_attempt,
            float(config["XGM_COMPLAINT_RETRY_BASE"]),
            float(config["XGM_COMPLAINT_RETRY_MAX"]),
        )
    due = min(now + timedelta(seconds=delay), taken.give_up_at)
    if not _undelivered(complaint_id, due_at=due, last_error=exc.message):
        db.session.rollback()  # another attempt got through meanwhile
        return "received"
    _set_complaint(complaint_id, last_error=exc.message)
    _attempt_event(
        complaint_id, taken, "retry", http_status=exc.status, note=exc.message, retry_at=due
    )
    db.session.commit()
    enqueue_delivery(tenant_id, complaint_id, taken.run_attempt, delay=(due - now).total_seconds())
    return "retry"


def _fail(
    complaint_id: int,
    taken: Claim,
    kind: str,
    message: str,
    http_status: int | None,
    fields: dict[str, str],
) -> str:
    """Stop delivering: the city refused the body (rejected) or 24 h went by (expired)."""
    if not _undelivered(complaint_id, due_at=None, last_error=message):
        db.session.rollback()
        return "received"
    _set_complaint(
        complaint_id,
        status="failed",
        failure_kind=kind,
        last_error=message,
        error_fields=json.dumps(fields, ensure_ascii=False) if fields else "",
    )
    _attempt_event(complaint_id, taken, "failed", http_status=http_status, note=message)
    db.session.add(
        ComplaintEvent(complaint_id=complaint_id, kind="status", status="failed", note=kind)
    )
    db.session.commit()
    return "failed"
