"""The SQL of one delivery attempt: Core statements built once, each with its own tenant filter.

Why not the ORM here: the delivery job is the worker's hot loop (a claim transaction before the
POST, an outcome transaction after it). Through the ORM every statement was rebuilt per call,
passed the tenancy hook (tenants.scoping adds the tenant criteria) and the ORM's bulk-update
path: about half of the job's own CPU. These statements are built once per process, so
SQLAlchemy compiles each once (its compiled cache is keyed by the statement), and they run
through the door (tenants.tenant_connection(): the session's connection, inside the session's
transaction). That bypasses the ORM's tenancy hook, so EVERY statement below filters on
`tenant_id = :b_tenant` itself (the door refuses one that does not), and the tenant always
comes from the tenant context (`tenant()`: no tenant set -> TenantRequired, like the ORM wall).
tests/complaints/test_delivery.py checks that a job run for another tenant touches nothing.

Bind names start with `b_`: a bind named like a column would become a SET clause of an UPDATE.
"""

from datetime import datetime

from sqlalchemy import bindparam, case, func, insert, or_, select, update

from tenants import TenantConnection, TenantRequired, current_tenant_id
from xgm.complaints.models import STATUS_RANK, Complaint, ComplaintEvent, ComplaintOutbox

_o = ComplaintOutbox.__table__
_c = Complaint.__table__
_e = ComplaintEvent.__table__

#: Statuses a receipt moves to `received` (the city's own news may already be further along).
NOT_YET_RECEIVED = tuple(s for s, rank in STATUS_RANK.items() if rank < STATUS_RANK["received"])


def tenant() -> int:
    """The current tenant's id; raises TenantRequired when none is set (fail closed)."""
    tenant_id = current_tenant_id()
    if tenant_id is None:
        raise TenantRequired("complaint delivery SQL needs a tenant (tenant_context())")
    return tenant_id


def _outbox_row():
    return (_o.c.tenant_id == bindparam("b_tenant"), _o.c.complaint_id == bindparam("b_complaint"))


def _complaint():
    return (_c.c.tenant_id == bindparam("b_tenant"), _c.c.id == bindparam("b_complaint"))


#: The outbox row, when a job may take it now (b_due_by = now + the allowed early start).
_CLAIMABLE = (
    *_outbox_row(),
    _o.c.delivered_at.is_(None),
    _o.c.due_at.is_not(None),
    _o.c.due_at <= bindparam("b_due_by"),
    or_(_o.c.locked_until.is_(None), _o.c.locked_until < bindparam("b_now")),
)
_COUNT_ATTEMPT = {
    "attempts": _c.c.attempts + 1,
    "status": case((_c.c.status == "queued", "sending"), else_=_c.c.status),
}

# PostgreSQL: the whole claim is one statement. The subquery locks the row (SKIP LOCKED: a row
# another job holds is simply not found), the CTE puts the lease on it and keeps the previous
# lease (`prev`, set when a dead worker's lease ran out), and the outer UPDATE counts the attempt
# on the complaint and returns its frozen body. No row: nothing was changed.
_held = (
    select(_o.c.id, _o.c.locked_until.label("prev"))
    .where(*_CLAIMABLE)
    .with_for_update(skip_locked=True)
    .subquery("held")
)
_taken = (
    update(_o)
    .where(_o.c.id == _held.c.id)
    .values(locked_until=bindparam("b_until"), attempts=_o.c.attempts + 1)
    .returning(_o.c.complaint_id, _o.c.attempts.label("run_attempt"), _o.c.give_up_at, _held.c.prev)
    .cte("taken")
)
CLAIM_PG = (
    update(_c)
    .where(_c.c.tenant_id == bindparam("b_tenant"), _c.c.id == _taken.c.complaint_id)
    .values(**_COUNT_ATTEMPT)
    .returning(
        _taken.c.run_attempt,
        _taken.c.give_up_at,
        _taken.c.prev,
        _c.c.attempts,
        _c.c.payload,
        _c.c.idempotency_key,
    )
)

# SQLite (no row locks, no RETURNING from joined tables): read the previous lease, take the row
# with a conditional UPDATE (it matches nothing if another job got there first), count the attempt.
PREVIOUS_LEASE = select(_o.c.locked_until).where(*_CLAIMABLE)
TAKE = (
    update(_o)
    .where(*_CLAIMABLE)
    .values(locked_until=bindparam("b_until"), attempts=_o.c.attempts + 1)
    .returning(_o.c.attempts, _o.c.give_up_at)
)
COUNT_ATTEMPT = (
    update(_c)
    .where(*_complaint())
    .values(**_COUNT_ATTEMPT)
    .returning(_c.c.attempts, _c.c.payload, _c.c.idempotency_key)
)

#: The city has it: the row is delivered (the first delivery time is kept).
DELIVERED = (
    update(_o)
    .where(*_outbox_row())
    .values(
        delivered_at=func.coalesce(_o.c.delivered_at, bindparam("b_at")),
        due_at=None,
        locked_until=None,
        last_error="",
    )
)
_RECEIPT = {
    "city_complaint_id": func.coalesce(_c.c.city_complaint_id, bindparam("b_city_id")),
    "received_at": func.coalesce(_c.c.received_at, bindparam("b_at")),
    "last_news_at": bindparam("b_at"),
    "last_error": "",
    "error_fields": "",
    "failure_kind": "",
}
#: The receipt moves the status to `received`...
RECEIVED = (
    update(_c)
    .where(*_complaint(), _c.c.status.in_(NOT_YET_RECEIVED))
    .values(status="received", **_RECEIPT)
)
#: ...unless the city's news (a webhook) got there first: then only the receipt is recorded.
RECEIPT_ONLY = update(_c).where(*_complaint()).values(**_RECEIPT)

#: A transient failure: the next attempt is due at b_due (unless another attempt delivered it).
RESCHEDULE = (
    update(_o)
    .where(*_outbox_row(), _o.c.delivered_at.is_(None))
    .values(locked_until=None, due_at=bindparam("b_due"), last_error=bindparam("b_error"))
)
LAST_ERROR = update(_c).where(*_complaint()).values(last_error=bindparam("b_error"))

#: No more attempts (refused or out of time), unless another attempt delivered it.
GIVE_UP = (
    update(_o)
    .where(*_outbox_row(), _o.c.delivered_at.is_(None))
    .values(locked_until=None, due_at=None, last_error=bindparam("b_error"))
)
FAILED = (
    update(_c)
    .where(*_complaint())
    .values(
        status="failed",
        failure_kind=bindparam("b_kind"),
        last_error=bindparam("b_error"),
        error_fields=bindparam("b_fields"),
    )
)

_EVENTS = insert(_e)
_EVENT_DEFAULTS = {
    "status": "",
    "note": "",
    "http_status": None,
    "attempt": None,
    "retry_at": None,
    "source": "xgm",
}


def params(complaint_id: int, **values) -> dict:
    """Bind values of one statement for the current tenant's complaint (b_ prefixed)."""
    return {
        "b_tenant": tenant(),
        "b_complaint": complaint_id,
        **{f"b_{k}": v for k, v in values.items()},
    }


def add_events(conn: TenantConnection, complaint_id: int, now: datetime, *events: dict) -> None:
    """Insert timeline lines of a complaint of the current tenant in one statement."""
    tenant_id = tenant()
    rows = [
        {
            **_EVENT_DEFAULTS,
            **event,
            "tenant_id": tenant_id,
            "complaint_id": complaint_id,
            "created_at": now,
        }
        for event in events
    ]
    conn.execute(_EVENTS, rows)
