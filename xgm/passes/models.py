"""Arrival: one rider at one gate, with the card the guard was shown and what became of it."""

import secrets
from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db

OUTCOMES = ("pending", "admitted", "denied", "refused", "expired")
#: Why a rider was refused without the guard: the city's status or the property's blocklist.
REFUSALS = ("suspended", "revoked", "expired", "blocked", "unknown")


def new_pass_key() -> str:
    """The unguessable key in the pass's own URL (the rider's phone polls it)."""
    return secrets.token_urlsafe(18)


class Arrival(TenantScoped, db.Model):
    """A rider's scan at a gate: the verified card snapshot, the outcome, who decided and when."""

    __tablename__ = "arrival"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_arrival_compound_tenant",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "gate_id"], ["gate.tenant_id", "gate.id"], name="fk_arrival_gate_tenant"
        ),
        # Covering on PostgreSQL: the dashboard's figures are index-only scans (bench/dashboard.py).
        Index(
            "ix_arrival_tenant_compound_created",
            "tenant_id",
            "compound_id",
            "created_at",
            postgresql_include=[
                "outcome",
                "decided_at",
                "platform_name",
                "gate_id",
                "refusal",
                "reason",
            ],
        ),
        Index(
            "ix_arrival_tenant_gate_rider_created",
            "tenant_id",
            "gate_id",
            "rider_code",
            "created_at",
        ),
        Index("ix_arrival_tenant_created", "tenant_id", "created_at"),
        Index("ix_arrival_tenant_outcome_created", "tenant_id", "outcome", "created_at"),
        # Deliberately not tenant-first: a rider.status_changed webhook refuses the rider's
        # pending arrivals in every tenant at once, by rider code alone.
        Index("ix_arrival_rider_outcome", "rider_code", "outcome"),
        # Not unique: on PostgreSQL arrivals are partitioned by month (xgm/history), and a
        # partitioned table's unique keys must hold created_at. The key is 144 random bits.
        Index("ix_arrival_pass_key", "pass_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Capability in the rider's pass URL (/passes/<key>); never an id.
    pass_key: Mapped[str] = mapped_column(String(32), default=new_pass_key)
    compound_id: Mapped[int] = mapped_column()
    gate_id: Mapped[int] = mapped_column()
    #: Names as they were at the scan, so the log reads right after renames.
    compound_name: Mapped[str] = mapped_column(String(60), default="")
    gate_name: Mapped[str] = mapped_column(String(40), default="")
    #: The city's rider code; "" for a manual registration by someone never signed in.
    rider_code: Mapped[str] = mapped_column(String(32), default="")
    # The card shown to the guard (the city's word, or what the rider typed when manual).
    rider_name: Mapped[str] = mapped_column(String(50), default="")
    rider_phone: Mapped[str] = mapped_column(String(20), default="")
    photo_url: Mapped[str] = mapped_column(String(300), default="")
    platform_code: Mapped[str] = mapped_column(String(32), default="")
    platform_name: Mapped[str] = mapped_column(String(50), default="")
    station: Mapped[str] = mapped_column(String(60), default="")
    team: Mapped[str] = mapped_column(String(60), default="")
    supervision_phone: Mapped[str] = mapped_column(String(20), default="")
    #: active, suspended, revoked, expired (active past valid_until), unknown; "" when manual.
    rider_status: Mapped[str] = mapped_column(String(16), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The guard who admitted or denied (plain id: the log outlives guard accounts).
    decided_by_guard_id: Mapped[int | None] = mapped_column(default=None)
    decided_by_name: Mapped[str] = mapped_column(String(50), default="")
    #: pending, admitted, denied (by the guard), refused (by the rules), expired (nobody decided).
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    #: For refused: one of REFUSALS.
    refusal: Mapped[str] = mapped_column(String(16), default="")
    #: The guard's reason to deny, or the block's reason.
    reason: Mapped[str] = mapped_column(String(200), default="")
    #: 离线核验: the city was down; admitted on its confirmation of the last 24 hours.
    offline: Mapped[bool] = mapped_column(default=False)
    #: 人工登记: the city was down and nothing vouched for the rider; typed in, guard-checked.
    manual: Mapped[bool] = mapped_column(default=False)

    @property
    def is_pending(self) -> bool:
        """True while the guard has not decided and it has not expired."""
        return self.outcome == "pending"
