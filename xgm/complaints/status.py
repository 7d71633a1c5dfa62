"""Status news from the city: `complaint.status_changed` webhooks and polls of quiet complaints."""

import logging
from typing import Any

from sqlalchemy import or_, select

from tenants import tenant_context, unscoped, utcnow
from xgm.city import COMPLAINT_STATUSES, UnknownComplaint
from xgm.complaints.alerting import status_changed
from xgm.complaints.models import (
    FINAL_STATUSES,
    STATUS_RANK,
    Complaint,
    ComplaintEvent,
    ComplaintOutbox,
)
from xgm.extensions import db

log = logging.getLogger(__name__)


def _known(complaint_id: int, event_id: str | None, status: str) -> bool:
    """True when this change is already on the timeline (same event id, or same status).

    A complaint passes through each city status once (received -> forwarded -> investigating ->
    resolved/rejected), so a status already recorded is the same change told again (a webhook
    resent, or a poll repeating what a webhook said).
    """
    condition = ComplaintEvent.status == status
    if event_id:
        condition = or_(condition, ComplaintEvent.city_event_id == event_id)
    return (
        db.session.scalar(
            select(ComplaintEvent.id).where(
                ComplaintEvent.complaint_id == complaint_id,
                ComplaintEvent.kind == "status",
                condition,
            )
        )
        is not None
    )


def apply_city_status(
    complaint: Complaint,
    status: str,
    note: str = "",
    at: str = "",
    event_id: str | None = None,
    city_complaint_id: str | None = None,
) -> bool:
    """Put one status change from the city on the complaint's timeline; True if it was new.

    Idempotent: a change already recorded (same event id, or same status) is ignored.
    A change that would move the status backwards (late or out-of-order news) is recorded on
    the timeline but leaves the current status alone. News about a complaint whose delivery we
    have not recorded yet proves the city has it: its outbox row is marked delivered. Does not
    commit.
    """
    if status not in COMPLAINT_STATUSES:
        log.warning("complaint %s: unknown city status %r ignored", complaint.id, status)
        return False
    if _known(complaint.id, event_id, status):
        return False
    now = utcnow()
    db.session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind="status",
            status=status,
            note=note or "",
            source="city",
            city_event_id=event_id,
            city_at=at or "",
            created_at=now,
        )
    )
    complaint.last_news_at = now
    if STATUS_RANK[status] > STATUS_RANK["received"] and complaint.answered_at is None:
        complaint.answered_at = now  # the city's first answer (xgm.complaints.deadlines)
    if status in FINAL_STATUSES and complaint.closed_at is None:
        complaint.closed_at = now
    if city_complaint_id and not complaint.city_complaint_id:
        complaint.city_complaint_id = city_complaint_id
    if STATUS_RANK[status] > STATUS_RANK[complaint.status]:
        if STATUS_RANK[complaint.status] == 0:
            _mark_delivered(complaint, now)
        complaint.status = status
        status_changed(complaint.id, status)
    return True


def _mark_delivered(complaint: Complaint, now) -> None:
    """The city has the complaint: no further delivery attempts."""
    complaint.received_at = complaint.received_at or now
    complaint.failure_kind = ""
    complaint.last_error = ""
    row = db.session.scalars(
        select(ComplaintOutbox).where(ComplaintOutbox.complaint_id == complaint.id)
    ).first()
    if row is not None and row.delivered_at is None:
        row.delivered_at = now
        row.due_at = None


def find_for_city(reference: str | None, city_complaint_id: str | None) -> tuple[int, int] | None:
    """(tenant_id, complaint id) of the complaint the city names, across tenants."""
    if not reference and not city_complaint_id:
        return None
    query = select(Complaint.tenant_id, Complaint.id)
    query = query.where(
        Complaint.reference == reference
        if reference
        else Complaint.city_complaint_id == city_complaint_id
    )
    with unscoped():  # the city names the complaint, not the tenant
        row = db.session.execute(query).first()
    return (row[0], row[1]) if row else None


def handle_status_changed(event: dict[str, Any]) -> None:
    """Webhook handler of `complaint.status_changed`: the change goes on the complaint's timeline.

    Runs inside the webhook's transaction (xgm.webhooks): flushes its writes inside the
    complaint's tenant and leaves the commit to the receiver.
    """
    found = find_for_city(event.get("reference"), event.get("complaint_id"))
    if found is None:
        log.warning(
            "status change for unknown complaint %s / %s ignored",
            event.get("reference"),
            event.get("complaint_id"),
        )
        return None
    tenant_id, complaint_id = found
    with tenant_context(tenant_id):
        complaint = db.session.scalars(select(Complaint).where(Complaint.id == complaint_id)).one()
        apply_city_status(
            complaint,
            str(event.get("status") or ""),
            note=str(event.get("note") or ""),
            at=str(event.get("at") or ""),
            event_id=str(event.get("event_id") or "") or None,
            city_complaint_id=event.get("complaint_id"),
        )
        db.session.flush()  # the writes are checked against this tenant now, committed later
    return None


MAX_REPLY = 500


def handle_rider_replied(event: dict[str, Any]) -> None:
    """Webhook handler of `complaint.rider_replied` (section 7): the reply on the timeline, once.

    The receiver already ignores an event_id it stored; the unique (tenant, city_event_id) of
    the timeline and the check below make the handler itself idempotent too.
    """
    found = find_for_city(event.get("reference"), event.get("complaint_id"))
    reply = event.get("reply")
    if found is None or not isinstance(reply, str) or not reply.strip():
        log.warning(
            "rider reply for %s ignored (unknown complaint or empty)", event.get("reference")
        )
        return None
    tenant_id, complaint_id = found
    event_id = str(event.get("event_id") or "")
    with tenant_context(tenant_id):
        known = db.session.scalar(
            select(ComplaintEvent.id).where(
                ComplaintEvent.complaint_id == complaint_id,
                ComplaintEvent.city_event_id == event_id,
            )
        )
        if known is not None:
            return None
        now = utcnow()
        db.session.add(
            ComplaintEvent(
                complaint_id=complaint_id,
                kind="reply",
                note=reply.strip()[:MAX_REPLY],
                source="city",
                city_event_id=event_id or None,
                city_at=str(event.get("at") or "")[:40],
                created_at=now,
            )
        )
        complaint = db.session.scalars(select(Complaint).where(Complaint.id == complaint_id)).one()
        complaint.last_news_at = now
        db.session.flush()
    return None


def poll(complaint: Complaint, client) -> int:
    """Ask the city for a complaint's history and record what we missed; returns how many.

    Raises CityUnavailable (and other CityErrors) to the caller; an unknown complaint is logged.
    Does not commit.
    """
    try:
        data = client.get_complaint(complaint.city_complaint_id)
    except UnknownComplaint:
        log.warning("city does not know complaint %s", complaint.city_complaint_id)
        complaint.last_news_at = utcnow()
        return 0
    added = 0
    for entry in data.get("history", []):
        if not isinstance(entry, dict):
            continue
        added += apply_city_status(
            complaint,
            str(entry.get("status") or ""),
            note=str(entry.get("note") or ""),
            at=str(entry.get("at") or ""),
        )
    complaint.last_news_at = utcnow()
    return added
