"""The Tenant: one property management company."""

from datetime import UTC, datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from xgm.extensions import db


def utcnow() -> datetime:
    """Timezone-aware now in UTC (stored as naive UTC for SQLite/PostgreSQL parity)."""
    return datetime.now(UTC).replace(tzinfo=None)


class Tenant(db.Model):
    """A property company: the unit of isolation of every tenant-owned row."""

    __tablename__ = "tenant"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    #: 统一社会信用代码, 18 characters with a GB 32100-2015 check digit.
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    #: "active", "suspended" (by the operator) or "closing" (closed by its owner, deleted at
    #: `delete_after`); only an active tenant can sign in.
    status: Mapped[str] = mapped_column(String(16), default="active")
    suspended_reason: Mapped[str] = mapped_column(String(200), default="")
    #: Length of a guard's shift in hours; the guard session ends after it.
    shift_hours: Mapped[int] = mapped_column(default=12)
    #: Days after which rider personal data is removed from arrivals (PIPL).
    retention_days: Mapped[int] = mapped_column(default=180)
    #: Hours the city has for its first answer to a complaint, and days for its resolution.
    complaint_answer_hours: Mapped[int] = mapped_column(default=24)
    complaint_resolve_days: Mapped[int] = mapped_column(default=7)
    #: Days audit events are kept (at least 180: the Cybersecurity Law's six months).
    audit_retention_days: Mapped[int] = mapped_column(default=365, server_default="365")
    #: When the owner closed the account, and when the deletion job removes it (30 days on).
    closing_at: Mapped[datetime | None] = mapped_column(default=None)
    delete_after: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_active(self) -> bool:
        """True when the tenant may sign in and use the product."""
        return self.status == "active"
