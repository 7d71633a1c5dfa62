"""AuditEvent: one append-only row per security-relevant action of a tenant."""

from datetime import datetime

from sqlalchemy import Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db


class AuditEvent(TenantScoped, db.Model):
    """Who did what, when, on which phone and from which address. Never edited, never deleted."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_tenant_created", "tenant_id", "created_at"),
        Index("ix_audit_event_tenant_kind_created", "tenant_id", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Dotted event name, one of xgm.audit.events.KINDS (e.g. "guard.signed_in").
    kind: Mapped[str] = mapped_column(String(40))
    #: "user" (owner/manager), "guard", "device" or "system".
    actor_kind: Mapped[str] = mapped_column(String(16), default="")
    actor_id: Mapped[int | None] = mapped_column(default=None)
    #: The actor's name as it was at the time, so the log reads right after renames.
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    #: Plain ids, no foreign keys: the log outlives and never blocks what it mentions.
    guard_id: Mapped[int | None] = mapped_column(default=None)
    device_id: Mapped[int | None] = mapped_column(default=None)
    ip: Mapped[str] = mapped_column(String(45), default="")
    #: JSON object with event-specific facts (names, reasons, counts).
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLogIsAppendOnly(RuntimeError):
    """Something tried to change or delete an audit row through the ORM."""


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("audit events are never updated")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target) -> None:
    raise AuditLogIsAppendOnly("audit events are never deleted")
