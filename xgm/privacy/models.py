"""RiderDataAccess: who saw a rider's personal data (name, phone, photo), where and when."""

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db

#: Where rider personal data is shown.
PLACES = ("guard_card", "arrival_detail", "office_inside")


class RiderDataAccess(TenantScoped, db.Model):
    """One viewing of a rider's personal data by an office user or a guard (PIPL access log)."""

    __tablename__ = "rider_data_access"
    __table_args__ = (
        Index("ix_rider_data_access_tenant_created", "tenant_id", "created_at"),
        Index("ix_rider_data_access_tenant_arrival", "tenant_id", "arrival_id"),
        Index("ix_rider_data_access_tenant_rider", "tenant_id", "rider_code", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "user" (owner/manager) or "guard".
    actor_kind: Mapped[str] = mapped_column(String(8))
    actor_id: Mapped[int] = mapped_column()
    #: The actor's name at the time, so the log reads right after renames.
    actor_name: Mapped[str] = mapped_column(String(50), default="")
    #: Plain ids, no foreign keys: the log outlives what it mentions.
    arrival_id: Mapped[int | None] = mapped_column(default=None)
    rider_code: Mapped[str] = mapped_column(String(32), default="")
    #: One of PLACES.
    place: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
