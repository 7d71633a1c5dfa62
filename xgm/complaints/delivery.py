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

from tenants import tenant_connection, utcnow
from xgm.city import (
    CityError,
    CityRateLimited,
    CityUnavailable,
    ComplaintReceipt,
    ComplaintRejected,
    UnknownRider,
    client_from_config,
)
from xgm.complaints import delivery_sql as sql
from xgm.complaints.alerting import status_changed
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

    PostgreSQL: one statement, SELECT ... FOR UPDATE SKIP LOCKED inside, so concurrent jobs never
    wait on each other; SQLite (no row locks): a conditional UPDATE takes the row or matches
    nothing. Either way the row then carries a lease (locked_until) and the transaction commits
    at once: no transaction stays open during the HTTP call. Runs for the current tenant.
    """
    conn = tenant_connection()
    bind = sql.params(
        complaint_id, due_by=now + EARLY, now=now, until=now + timedelta(seconds=lease)
    )
    if conn.dialect.name == "postgresql":
        row = conn.execute(sql.CLAIM_PG, bind).first()
        if row is None:
            db.session.rollback()
            return None
        run_attempt, give_up_at, recovered = row.run_attempt, row.give_up_at, row.prev is not None
        complaint = row
    else:
        recovered = conn.execute(sql.PREVIOUS_LEASE, bind).scalar() is not None
        taken = conn.execute(sql.TAKE, bind).first()
        if taken is None:
            db.session.rollback()
            return None
        run_attempt, give_up_at = taken.attempts, taken.give_up_at
        complaint = conn.execute(sql.COUNT_ATTEMPT, bind).one()
    if recovered:
        sql.add_events(conn, complaint_id, now, {"kind": "recovered"})
    db.session.commit()
    return Claim(
        run_attempt=run_attempt,
        give_up_at=give_up_at,
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


def _attempt(taken: Claim, outcome: str, **fields) -> dict:
    """The timeline line of this attempt."""
    return {"kind": "attempt", "status": outcome, "attempt": taken.attempt, **fields}


def _received(complaint_id: int, taken: Claim, receipt: ComplaintReceipt) -> str:
    """Record the city's receipt: the row is delivered, the complaint received with its city id."""
    now = utcnow()
    conn = tenant_connection()
    bind = sql.params(complaint_id, at=now, city_id=receipt.complaint_id)
    conn.execute(sql.DELIVERED, bind)
    moved = conn.execute(sql.RECEIVED, bind).rowcount == 1
    if not moved:  # the city's news (a webhook) got here first
        conn.execute(sql.RECEIPT_ONLY, bind)
    events = [
        _attempt(
            taken,
            "received",
            http_status=201 if receipt.first_receipt else 200,
            note=receipt.complaint_id,
        )
    ]
    if moved:
        events.append({"kind": "status", "status": "received", "source": "city"})
    sql.add_events(conn, complaint_id, now, *events)
    if moved:
        status_changed(complaint_id, "received")
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
    conn = tenant_connection()
    bind = sql.params(complaint_id, due=due, error=exc.message)
    if conn.execute(sql.RESCHEDULE, bind).rowcount != 1:
        db.session.rollback()  # another attempt got through meanwhile
        return "received"
    conn.execute(sql.LAST_ERROR, bind)
    retry = _attempt(taken, "retry", http_status=exc.status, note=exc.message, retry_at=due)
    sql.add_events(conn, complaint_id, now, retry)
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
    conn = tenant_connection()
    bind = sql.params(
        complaint_id,
        error=message,
        kind=kind,
        fields=json.dumps(fields, ensure_ascii=False) if fields else "",
    )
    if conn.execute(sql.GIVE_UP, bind).rowcount != 1:
        db.session.rollback()  # another attempt got through meanwhile
        return "received"
    conn.execute(sql.FAILED, bind)
    sql.add_events(
        conn,
        complaint_id,
        utcnow(),
        _attempt(taken, "failed", http_status=http_status, note=message),
        {"kind": "status", "status": "failed", "note": kind},
    )
    status_changed(complaint_id, "failed")
    db.session.commit()
    return "failed"
