"""A compound's building map: the manager's upload, re-encoded and scaled for phones."""

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db


class CompoundMap(TenantScoped, db.Model):
    """The building map of one compound (one row per compound, replaced at each upload)."""

    __tablename__ = "compound_map"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_compound_map_compound_tenant",
        ),
        UniqueConstraint("tenant_id", "compound_id", name="uq_compound_map_tenant_compound"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column()
    #: The re-encoded image (JPEG, at most PHONE_WIDTH wide, no metadata); loaded only to serve it.
    image: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    content_type: Mapped[str] = mapped_column(String(20), default="image/jpeg")
    width: Mapped[int] = mapped_column(default=0)
    height: Mapped[int] = mapped_column(default=0)
    #: Bytes of the upload as received (the stored image is usually smaller).
    uploaded_bytes: Mapped[int] = mapped_column(default=0)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(default=None)
