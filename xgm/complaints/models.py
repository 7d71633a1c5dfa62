"""Complaints to the city platform, their timeline, and the transactional outbox that sends them."""

import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKeyConstraint, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantScoped, utcnow
from xgm.extensions import db

#: Local delivery states first, then the city's own statuses (contract section 4).
STATUSES = (
    "queued",
    "sending",
    "received",
    "forwarded",
    "investigating",
    "resolved",
    "rejected",
    "failed",
)
#: How far along the city's process a status is; a status never moves to a lower rank.
STATUS_RANK = {
    "queued": 0,
    "sending": 0,
    "failed": 0,
    "received": 1,
    "forwarded": 2,
    "investigating": 3,
    "resolved": 4,
    "rejected": 4,
}
#: Statuses after which the city has nothing more to say.
FINAL_STATUSES = ("resolved", "rejected")
#: Statuses of complaints the city has (and may still move on).
OPEN_CITY_STATUSES = ("received", "forwarded", "investigating")


def new_reference(now: datetime) -> str:
    """A stable, unique, unguessable reference sent to the city: XGM-<date>-<48 random bits>."""
    return f"XGM-{now:%Y%m%d}-{secrets.token_hex(6).upper()}"


def new_idempotency_key() -> str:
    """A fresh Idempotency-Key (uuid4)."""
    return str(uuid.uuid4())


class Complaint(TenantScoped, db.Model):
    """A complaint about a rider, filed by a guard or a manager and forwarded to the city."""

    __tablename__ = "complaint"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_complaint_compound_tenant",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "gate_id"], ["gate.tenant_id", "gate.id"], name="fk_complaint_gate_tenant"
        ),
        UniqueConstraint("tenant_id", "id", name="uq_complaint_tenant_id"),
        Index("ix_complaint_tenant_status", "tenant_id", "status"),
        Index("ix_complaint_tenant_created", "tenant_id", "created_at"),
        Index(
            "ix_complaint_tenant_incident",
            "tenant_id",
            "rider_code",
            "compound_id",
            "category",
            "created_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sent to the city as `reference`; unique across xgm, never changes.
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    #: The Idempotency-Key of the current body; a corrected body gets a new one.
    idempotency_key: Mapped[str] = mapped_column(String(36), default=new_idempotency_key)
    compound_id: Mapped[int] = mapped_column()
    gate_id: Mapped[int | None] = mapped_column(default=None)
    #: The arrival the complaint was filed from (guard console or arrivals log), if any.
    arrival_id: Mapped[int | None] = mapped_column(default=None, index=True)
    rider_code: Mapped[str] = mapped_column(String(40))
    #: The rider's name as shown on the card when filed (display only; the city knows the code).
    rider_name: Mapped[str] = mapped_column(String(50), default="")
    category: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text)
    #: When it happened (naive UTC).
    occurred_at: Mapped[datetime] = mapped_column()
    #: "guard" or "manager"; reporter_id is the Guard's or User's id.
    reporter_kind: Mapped[str] = mapped_column(String(10))
    reporter_id: Mapped[int | None] = mapped_column(default=None)
    reporter_name: Mapped[str] = mapped_column(String(50), default="")
    reporter_phone: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: The city's complaint id (C2026...), once received.
    city_complaint_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    #: Delivery attempts made, over the complaint's whole life.
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: JSON {field: reason} of the city's 400 answer.
    error_fields: Mapped[str] = mapped_column(Text, default="")
    #: "rejected" (400/404: the body can be corrected) or "expired" (24 h of transient failures).
    failure_kind: Mapped[str] = mapped_column(String(10), default="")
    #: The exact JSON body sent under idempotency_key (frozen at filing or correction).
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Last time we heard from the city about it (receipt, webhook or poll).
    last_news_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The rider's delivery platform, station and team as last seen at this tenant's gates
    #: (snapshot at filing; what the regulator's figures group complaints by).
    platform_name: Mapped[str] = mapped_column(String(50), default="")
    station: Mapped[str] = mapped_column(String(60), default="")
    team: Mapped[str] = mapped_column(String(60), default="")
    #: Deadlines (xgm.complaints.deadlines): the city's first answer and its resolution.
    answer_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolve_due_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    #: When the city first moved it past `received`, and when it reached a final status.
    answered_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: When the overdue sweep saw each deadline pass (set once: the moment it became overdue).
    answer_overdue_at: Mapped[datetime | None] = mapped_column(default=None)
    resolve_overdue_at: Mapped[datetime | None] = mapped_column(default=None)

    compound = relationship("Compound", lazy="joined", viewonly=True)
    gate = relationship("Gate", lazy="joined", viewonly=True)

    @property
    def payload_dict(self) -> dict[str, Any]:
        """The frozen body as a dict."""
        return json.loads(self.payload)

    @property
    def field_errors(self) -> dict[str, str]:
        """The city's per-field reasons of its last 400, if any."""
        return json.loads(self.error_fields) if self.error_fields else {}

    @property
    def correctable(self) -> bool:
        """True when the city refused the body: the manager may correct it and resend."""
        return self.status == "failed" and self.failure_kind == "rejected"


class ComplaintEvent(TenantScoped, db.Model):
    """One line of a complaint's timeline: filed, a delivery attempt, a status change, a resend."""

    __tablename__ = "complaint_event"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint.tenant_id", "complaint.id"],
            name="fk_complaint_event_complaint_tenant",
            ondelete="CASCADE",
        ),
        UniqueConstraint("tenant_id", "city_event_id", name="uq_complaint_event_city_event"),
        Index("ix_complaint_event_tenant_complaint", "tenant_id", "complaint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column()
    #: filed, attempt, recovered, status, resent, corrected.
    kind: Mapped[str] = mapped_column(String(12))
    #: For kind=status the new status; for kind=attempt the outcome (received, retry, failed).
    status: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    #: HTTP status of an attempt (None: no answer, e.g. a timeout).
    http_status: Mapped[int | None] = mapped_column(default=None)
    #: Attempt number (kind=attempt).
    attempt: Mapped[int | None] = mapped_column(default=None)
    #: When the next attempt is due (kind=attempt, outcome retry).
    retry_at: Mapped[datetime | None] = mapped_column(default=None)
    #: "city" for changes the city reported, "xgm" for our own.
    source: Mapped[str] = mapped_column(String(8), default="xgm")
    #: The webhook's event_id (duplicates are ignored by it).
    city_event_id: Mapped[str | None] = mapped_column(String(64), default=None)
    #: The city's own time of the change, as it sent it (ISO 8601 with offset).
    city_at: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintOutbox(TenantScoped, db.Model):
    """The transactional outbox row of a complaint: what the delivery job and the sweep work on."""

    __tablename__ = "complaint_outbox"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint.tenant_id", "complaint.id"],
            name="fk_complaint_outbox_complaint_tenant",
            ondelete="CASCADE",
        ),
        UniqueConstraint("tenant_id", "complaint_id", name="uq_complaint_outbox_complaint"),
        # The sweep looks across tenants for rows that are due: due_at leads.
        Index("ix_complaint_outbox_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column()
    #: When the next attempt is due; None once delivered or given up.
    due_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Attempts of the current delivery run (reset by a resend); drives the backoff.
    attempts: Mapped[int] = mapped_column(default=0)
    #: A job holds the row until then (the HTTP call runs outside any transaction).
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    #: Transient failures are retried until then (filing + 24 h), then the complaint fails.
    give_up_at: Mapped[datetime] = mapped_column()
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ComplaintReminder(TenantScoped, db.Model):
    """A 催办 sent to the city about an overdue complaint: its own outbox row (section 7)."""

    __tablename__ = "complaint_reminder"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint.tenant_id", "complaint.id"],
            name="fk_complaint_reminder_complaint_tenant",
            ondelete="CASCADE",
        ),
        Index("ix_complaint_reminder_tenant_complaint", "tenant_id", "complaint_id"),
        # The sweep looks across tenants for reminders that are due: due_at leads.
        Index("ix_complaint_reminder_due", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column()
    idempotency_key: Mapped[str] = mapped_column(String(36), default=new_idempotency_key)
    note: Mapped[str] = mapped_column(String(200))
    #: The `at` sent to the city (ISO 8601 with offset), frozen with the note.
    at: Mapped[str] = mapped_column(String(40))
    #: The manager who chased (plain id).
    user_id: Mapped[int | None] = mapped_column(default=None)
    #: queued, sent, failed.
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: The city's count of reminders on the complaint after this one.
    city_count: Mapped[int | None] = mapped_column(default=None)
    due_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    give_up_at: Mapped[datetime] = mapped_column()
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def new_photo_key() -> str:
    """The random key a photo's signed URL carries (never its id)."""
    return secrets.token_urlsafe(24)


class ComplaintPhoto(TenantScoped, db.Model):
    """A photo attached to a complaint: re-encoded, metadata stripped, served to the city once."""

    __tablename__ = "complaint_photo"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "complaint_id"],
            ["complaint.tenant_id", "complaint.id"],
            name="fk_complaint_photo_complaint_tenant",
            ondelete="CASCADE",
        ),
        Index("ix_complaint_photo_tenant_complaint", "tenant_id", "complaint_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column()
    #: Signed into the evidence URL (xgm.complaints.photos); unique across tenants.
    key: Mapped[str] = mapped_column(String(40), unique=True, default=new_photo_key)
    #: image/jpeg or image/png (the re-encoded file).
    content_type: Mapped[str] = mapped_column(String(20))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)
    #: When the city fetched it (first time).
    fetched_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
