"""Filing a complaint: duplicate-incident check, then complaint + timeline + outbox in one commit."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from tenants import current_tenant, current_tenant_id, utcnow
from xgm.audit import record
from xgm.complaints.deadlines import due_times
from xgm.complaints.models import (
    Complaint,
    ComplaintEvent,
    ComplaintOutbox,
    ComplaintPhoto,
    new_idempotency_key,
    new_photo_key,
    new_reference,
)
from xgm.complaints.outbox import enqueue_delivery
from xgm.complaints.payload import build_payload, encode, iso_cn
from xgm.complaints.photos import MAX_PHOTOS, attachments
from xgm.extensions import db
from xgm.passes.models import Arrival

#: Filing the same rider, compound and category again within this window asks first.
DUPLICATE_WINDOW = timedelta(minutes=10)


@dataclass
class Draft:
    """What a guard or manager files, checked by a form; times are naive UTC."""

    compound: object
    gate: object | None
    rider_code: str
    category: str
    description: str
    occurred_at: datetime
    reporter_kind: str
    reporter_id: int | None
    reporter_name: str
    reporter_phone: str
    rider_name: str = ""
    arrival_id: int | None = None
    #: Evidence photos, already re-encoded (xgm.complaints.photos.clean_photo), at most 3.
    photos: list = field(default_factory=list)


def rider_snapshot(rider_code: str, arrival_id: int | None) -> tuple[str, str, str]:
    """(platform, station, team) of the rider: from the arrival filed from, else the rider's
    latest arrival at this tenant's gates; blanks when the rider never scanned here."""
    query = select(Arrival.platform_name, Arrival.station, Arrival.team)
    if arrival_id is not None:
        row = db.session.execute(query.where(Arrival.id == arrival_id)).first()
    else:
        row = None
    if row is None and rider_code:
        row = db.session.execute(
            query.where(Arrival.rider_code == rider_code)
            .order_by(Arrival.created_at.desc(), Arrival.id.desc())
            .limit(1)
        ).first()
    return (row[0], row[1], row[2]) if row else ("", "", "")


def recent_duplicate(draft: Draft, now: datetime | None = None) -> Complaint | None:
    """The latest complaint about the same rider, compound and category filed in the window."""
    since = (now or utcnow()) - DUPLICATE_WINDOW
    return db.session.scalars(
        select(Complaint)
        .where(
            Complaint.rider_code == draft.rider_code,
            Complaint.compound_id == draft.compound.id,
            Complaint.category == draft.category,
            Complaint.created_at >= since,
        )
        .order_by(Complaint.created_at.desc())
    ).first()


class AlreadyComplained(Exception):
    """The arrival already has a complaint: one arrival, one complaint."""

    def __init__(self, complaint: Complaint):
        super().__init__(complaint.reference)
        self.complaint = complaint


def complaint_on_arrival(arrival_id: int) -> Complaint | None:
    """The complaint filed about this arrival, if any."""
    return db.session.scalars(
        select(Complaint).where(Complaint.arrival_id == arrival_id).order_by(Complaint.id)
    ).first()


def complained_arrivals(arrivals: list) -> set[int]:
    """Which of these arrivals have a complaint (the console's 已投诉 mark)."""
    ids = [a.id for a in arrivals]
    return set(
        db.session.scalars(
            select(Complaint.arrival_id).where(Complaint.arrival_id.in_(ids)).distinct()
        )
    )


def _refuse_second(arrival_id: int) -> None:
    """AlreadyComplained when the arrival has a complaint; two filings at once queue on its row
    (FOR UPDATE on PostgreSQL; SQLite runs one writer at a time)."""
    db.session.execute(select(Arrival.id).where(Arrival.id == arrival_id).with_for_update())
    existing = complaint_on_arrival(arrival_id)
    if existing is not None:
        db.session.rollback()
        raise AlreadyComplained(existing)


def reporter_role(kind: str) -> str:
    """The contract's reporter.role for a reporter kind."""
    return "guard" if kind == "guard" else "manager"


def file_complaint(draft: Draft) -> Complaint:
    """Save the complaint with its outbox row in one transaction, then enqueue its delivery.

    AlreadyComplained when the draft's arrival has a complaint already.
    """
    if draft.arrival_id is not None:
        _refuse_second(draft.arrival_id)
    now = utcnow()
    reference = new_reference(now)
    payload = build_payload(
        reference=reference,
        rider_code=draft.rider_code,
        category=draft.category,
        description=draft.description,
        occurred_at=draft.occurred_at,
        compound=draft.compound,
        gate=draft.gate,
        tenant=current_tenant,
        reporter_name=draft.reporter_name,
        reporter_role=reporter_role(draft.reporter_kind),
        reporter_phone=draft.reporter_phone,
    )
    answer_due, resolve_due = due_times(current_tenant, now)
    platform, station, team = rider_snapshot(draft.rider_code, draft.arrival_id)
    complaint = Complaint(
        platform_name=platform,
        station=station,
        team=team,
        answer_due_at=answer_due,
        resolve_due_at=resolve_due,
        reference=reference,
        idempotency_key=new_idempotency_key(),
        compound_id=draft.compound.id,
        gate_id=draft.gate.id if draft.gate is not None else None,
        arrival_id=draft.arrival_id,
        rider_code=draft.rider_code,
        rider_name=draft.rider_name,
        category=draft.category,
        description=draft.description,
        occurred_at=draft.occurred_at,
        reporter_kind=draft.reporter_kind,
        reporter_id=draft.reporter_id,
        reporter_name=draft.reporter_name,
        reporter_phone=draft.reporter_phone,
        status="queued",
        payload=encode(payload),
        created_at=now,
    )
    db.session.add(complaint)
    db.session.flush()
    if draft.photos:
        photos = [
            ComplaintPhoto(
                complaint_id=complaint.id,
                key=new_photo_key(),
                content_type=photo.content_type,
                sha256=photo.sha256,
                size=len(photo.data),
                data=photo.data,
                created_at=now,
            )
            for photo in draft.photos[:MAX_PHOTOS]
        ]
        db.session.add_all(photos)
        payload["attachments"] = attachments(photos)
        complaint.payload = encode(payload)
    horizon = float(current_app.config["XGM_COMPLAINT_RETRY_HORIZON"])
    db.session.add(
        ComplaintOutbox(
            complaint_id=complaint.id,
            due_at=now,
            give_up_at=now + timedelta(seconds=horizon),
            created_at=now,
        )
    )
    db.session.add(
        ComplaintEvent(complaint_id=complaint.id, kind="filed", status="queued", created_at=now)
    )
    record(
        "complaint.filed",
        detail={"complaint": reference, "rider_code": draft.rider_code, "kind": draft.category},
    )
    db.session.commit()
    enqueue_delivery(current_tenant_id(), complaint.id, 0)
    return complaint


def corrected_payload(complaint: Complaint, corrections: dict | None) -> str:
    """The frozen body with the corrected fields patched in (canonical text)."""
    body = complaint.payload_dict
    if corrections:
        body.update(
            rider_code=corrections["rider_code"],
            category=corrections["category"],
            description=corrections["description"],
            occurred_at=iso_cn(corrections["occurred_at"]),
        )
    return encode(body)


def resend_complaint(complaint: Complaint, corrections: dict | None = None) -> bool:
    """Queue a failed complaint again, corrected or not; True when it got a new Idempotency-Key.

    The key stays when the body is unchanged (the city answers a replay with the same receipt);
    a changed body is a different request and gets a new key.
    """
    now = utcnow()
    payload = corrected_payload(complaint, corrections)
    new_key = payload != complaint.payload
    if corrections:
        for name in ("rider_code", "category", "description", "occurred_at"):
            setattr(complaint, name, corrections[name])
    if new_key:
        complaint.payload = payload
        complaint.idempotency_key = new_idempotency_key()
    complaint.status = "queued"
    complaint.last_error = ""
    complaint.error_fields = ""
    complaint.failure_kind = ""
    row = db.session.scalars(
        select(ComplaintOutbox).where(ComplaintOutbox.complaint_id == complaint.id)
    ).one()
    horizon = float(current_app.config["XGM_COMPLAINT_RETRY_HORIZON"])
    row.due_at = now
    row.delivered_at = None
    row.locked_until = None
    row.attempts = 0
    row.give_up_at = now + timedelta(seconds=horizon)
    row.last_error = ""
    db.session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind="corrected" if corrections else "resent",
            status="queued",
            note="new_key" if new_key else "same_key",
            created_at=now,
        )
    )
    record("complaint.resent", detail={"complaint": complaint.reference})
    db.session.commit()
    enqueue_delivery(current_tenant_id(), complaint.id, 0)
    return new_key
