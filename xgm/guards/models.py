"""Guards (PIN, no email) and their shift sessions on enrolled gate phones."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import Tenant, TenantScoped, utcnow
from xgm.compounds.models import Compound
from xgm.devices.models import Device
from xgm.extensions import db


class Guard(TenantScoped, UserMixin, db.Model):
    """A gate guard of one compound; signs in with a 6-digit PIN, only on an enrolled phone."""

    __tablename__ = "guard"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_guard_compound_tenant",
        ),
        UniqueConstraint("tenant_id", "id", name="uq_guard_tenant_id"),
        Index("ix_guard_tenant_compound", "tenant_id", "compound_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    #: 工号, optional.
    employee_no: Mapped[str] = mapped_column(String(30), default="")
    #: The compound the guard works at; they sign in only on that compound's phones.
    compound_id: Mapped[int] = mapped_column()
    #: argon2id hash of the 6-digit PIN (never stored or shown in clear after creation).
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    #: PIN attempts since the last right PIN or lockout, counted before each PIN is checked
    #: (xgm.guards.pins); the fifth sets `locked_until` (15 minutes) and the count back to 0.
    failed_pins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    pin_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    compound = relationship(Compound, lazy="joined", viewonly=True)
    tenant = relationship(Tenant, lazy="joined", viewonly=True)

    #: Set by the session loader: the GuardSession this request runs under.
    guard_session = None

    @property
    def is_active(self) -> bool:
        """Flask-Login: deactivated guards and guards of suspended tenants cannot sign in."""
        return self.active and self.tenant.is_active

    def locked_at(self, now: datetime) -> bool:
        """True while a lockout is in force."""
        return self.locked_until is not None and self.locked_until > now

    @property
    def phone_tail(self) -> str:
        """The last four digits of the phone, to tell two guards of the same name apart."""
        return self.phone[-4:]

    def get_id(self) -> str:
        """Flask-Login id: "g:<tenant_id>:<guard session id>:<nonce>"."""
        gs = self.guard_session
        if gs is None:
            return f"g:{self.tenant_id}:0:"
        return f"g:{self.tenant_id}:{gs.id}:{gs.nonce}"

    def audit_actor(self) -> tuple[str, int, str]:
        """(kind, id, name) for the audit log."""
        return "guard", self.id, self.name


class GuardSession(TenantScoped, db.Model):
    """One guard's shift on one phone: from PIN sign-in to handover, shift end or revocation."""

    __tablename__ = "guard_session"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "guard_id"],
            ["guard.tenant_id", "guard.id"],
            name="fk_guard_session_guard_tenant",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "device_id"],
            ["device.tenant_id", "device.id"],
            name="fk_guard_session_device_tenant",
        ),
        Index("ix_guard_session_tenant_guard", "tenant_id", "guard_id"),
        Index("ix_guard_session_tenant_device", "tenant_id", "device_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    guard_id: Mapped[int] = mapped_column()
    device_id: Mapped[int] = mapped_column()
    #: Random per-sign-in value carried in the signed session cookie.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: started_at + the tenant's shift_hours; the session is over after it.
    ends_at: Mapped[datetime] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    #: handover, shift_end, deactivated, pin_reset, device_revoked, moved or replaced.
    end_reason: Mapped[str] = mapped_column(String(20), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")

    guard = relationship(Guard, lazy="joined", viewonly=True)
    device = relationship(Device, lazy="joined", viewonly=True)

    @property
    def is_open(self) -> bool:
        """True until the session has ended for any reason."""
        return self.ended_at is None
