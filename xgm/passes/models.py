"""Arrival: one rider at one gate, with the card the guard was shown and what became of it."""

import secrets
from datetime import datetime, timedelta

from sqlalchemy import ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tenants import TenantScoped, utcnow
from xgm.extensions import db

OUTCOMES = ("pending", "admitted", "denied", "refused", "expired")
#: Why a rider was refused without the guard: the city's status, the property's blocklist, or
#: the gate's rider hours.
REFUSALS = ("suspended", "revoked", "expired", "blocked", "unknown", "hours")
#: How the rider reached the gate's page: the poster's QR code or an NFC tag (?via=nfc).
SOURCES = ("qr", "nfc")
#: How an exit was recorded: the rider's 我已出门, the exit poster, the guard's 已离开.
EXIT_VIAS = ("pass", "exit-poster", "guard")


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
                "station",
                "team",
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
        # Deliberately not tenant-first: the overstay sweep looks for open stays in every tenant.
        Index("ix_arrival_open_stays", "outcome", "left_at", "decided_at"),
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
    #: For a blocked refusal: when the block ends (naive UTC); None: until the property lifts it.
    blocked_until: Mapped[datetime | None] = mapped_column(default=None)
    #: 离线核验: the city was down; admitted on its confirmation of the last 24 hours.
    offline: Mapped[bool] = mapped_column(default=False)
    #: 人工登记: the city was down and nothing vouched for the rider; typed in, guard-checked.
    manual: Mapped[bool] = mapped_column(default=False)
    #: 无人处理: still pending past the compound's escalation threshold (every phone alerted).
    unattended_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def blocked_through(self) -> datetime | None:
        """The block's last minute, as riders read it (one ending at midnight reads 23:59)."""
        return self.blocked_until - timedelta(minutes=1) if self.blocked_until else None

    #: One of SOURCES.
    source: Mapped[str] = mapped_column(String(12), default="qr")
    #: 自动放行: admitted at scan time by the gate's setting, not by a guard's tap.
    auto: Mapped[bool] = mapped_column(default=False)
    #: The barrier: the status of the newest open command sent for this arrival ("" = none
    #: sent), and the device's answer (copied from xgm.gateagents when the command settles).
    barrier: Mapped[str] = mapped_column(String(12), default="")
    barrier_answer: Mapped[str] = mapped_column(String(200), default="")
    #: When the rider left the compound (None while inside), and how that was recorded.
    left_at: Mapped[datetime | None] = mapped_column(default=None)
    #: One of EXIT_VIAS, "" while inside.
    left_via: Mapped[str] = mapped_column(String(12), default="")
    #: When the overstay alert started (None: none); it closes when the rider leaves.
    overstay_at: Mapped[datetime | None] = mapped_column(default=None)

    @property
    def arrival_id(self) -> int:
        """Its own id: what the access log (xgm.privacy) reads from anything tied to an arrival."""
        return self.id

    @property
    def is_pending(self) -> bool:
        """True while the guard has not decided and it has not expired."""
        return self.outcome == "pending"
