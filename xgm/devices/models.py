"""Shared gate phones (Device) and the one-time codes that enroll them (EnrollmentCode)."""

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantScoped, utcnow
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db


def secret_digest(secret: str) -> str:
    """SHA-256 hex of a high-entropy secret (device secret, enrollment code) for lookup/compare."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Device(TenantScoped, db.Model):
    """A phone at a gate, enrolled by a manager; guards sign in only on one of these."""

    __tablename__ = "device"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_device_compound_tenant",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "gate_id"], ["gate.tenant_id", "gate.id"], name="fk_device_gate_tenant"
        ),
        UniqueConstraint("tenant_id", "id", name="uq_device_tenant_id"),
        Index("ix_device_tenant_compound", "tenant_id", "compound_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column()
    #: The gate this phone stands at; None means any gate of the compound.
    gate_id: Mapped[int | None] = mapped_column(default=None)
    name: Mapped[str] = mapped_column(String(40))
    #: SHA-256 of the random secret carried in the signed device cookie.
    secret_hash: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_ip: Mapped[str] = mapped_column(String(45), default="")
    #: Set when a manager revokes the phone; its cookie stops working at once.
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    compound = relationship(Compound, lazy="joined", viewonly=True)
    gate = relationship(Gate, lazy="joined", viewonly=True)

    @property
    def is_revoked(self) -> bool:
        """True once a manager has revoked the phone."""
        return self.revoked_at is not None

    @property
    def place(self) -> str:
        """Where the phone stands: "compound · gate" or the compound alone."""
        if self.gate is not None:
            return f"{self.compound.name} · {self.gate.name}"
        return self.compound.name

    def audit_actor(self) -> tuple[str, int, str]:
        """(kind, id, name) for the audit log."""
        return "device", self.id, self.name


class EnrollmentCode(TenantScoped, db.Model):
    """A one-time, 15-minute code a manager creates to enroll one phone for a compound."""

    __tablename__ = "enrollment_code"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_enrollment_code_compound_tenant",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "gate_id"],
            ["gate.tenant_id", "gate.id"],
            name="fk_enrollment_code_gate_tenant",
        ),
        Index("ix_enrollment_code_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the 8-character code; the code itself is shown once and never stored.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    compound_id: Mapped[int] = mapped_column()
    gate_id: Mapped[int | None] = mapped_column(default=None)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The phone enrolled with this code.
    device_id: Mapped[int | None] = mapped_column(default=None)

    compound = relationship(Compound, lazy="joined", viewonly=True)
    gate = relationship(Gate, lazy="joined", viewonly=True)
