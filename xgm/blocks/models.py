"""Block: one rider code refused by the tenant, at one compound or tenant-wide."""

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db


class Block(TenantScoped, db.Model):
    """A rider code the property refuses; in force until ends_at (if set) or until lifted."""

    __tablename__ = "rider_block"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_rider_block_compound_tenant",
        ),
        Index("ix_rider_block_tenant_rider", "tenant_id", "rider_code"),
        Index("ix_rider_block_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rider_code: Mapped[str] = mapped_column(String(32))
    #: The rider's name when the block was added (from the city's card), for the list.
    rider_name: Mapped[str] = mapped_column(String(50), default="")
    #: None: every compound of the tenant.
    compound_id: Mapped[int | None] = mapped_column(default=None)
    reason: Mapped[str] = mapped_column(String(200))
    #: Naive UTC; None: until lifted.
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: "user" (manager) or "guard", with their id and name as it was.
    created_by_kind: Mapped[str] = mapped_column(String(16), default="user")
    created_by_id: Mapped[int | None] = mapped_column(default=None)
    created_by_name: Mapped[str] = mapped_column(String(50), default="")
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)
    lifted_by_name: Mapped[str] = mapped_column(String(50), default="")

    def in_force(self, now: datetime) -> bool:
        """True while the block refuses the rider."""
        return self.lifted_at is None and (self.ends_at is None or self.ends_at > now)
