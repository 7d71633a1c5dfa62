"""Gate agents (the on-site program paired with a gate), their pairing codes, their commands."""

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tenants import TenantScoped, utcnow
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db

#: What a command can become. pending: waiting for an agent; claimed: an agent took it and is
#: driving the device. The agent reports opened, failed, timeout (the device did not answer in
#: time), expired (it found the command too old and did not execute it) or unconfirmed (it
#: restarted mid-way). The server itself settles a command nobody claimed within its 10 s as
#: expired, and one claimed but never reported as unconfirmed.
STATUSES = ("pending", "claimed", "opened", "failed", "timeout", "expired", "unconfirmed")
#: The outcomes an agent may report.
AGENT_OUTCOMES = ("opened", "failed", "timeout", "expired", "unconfirmed")
FINISHED = ("opened", "failed", "timeout", "expired", "unconfirmed")


def new_command_key() -> str:
    """The id a command travels with to the agent (and back in its result): 128 random bits."""
    return secrets.token_hex(16)


class GateAgent(TenantScoped, db.Model):
    """An on-site agent paired with one gate: revocable credentials and its health."""

    __tablename__ = "gate_agent"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "compound_id"],
            ["compound.tenant_id", "compound.id"],
            name="fk_gate_agent_compound_tenant",
        ),
        ForeignKeyConstraint(
            ["tenant_id", "gate_id"],
            ["gate.tenant_id", "gate.id"],
            name="fk_gate_agent_gate_tenant",
        ),
        UniqueConstraint("tenant_id", "id", name="uq_gate_agent_tenant_id"),
        Index("ix_gate_agent_tenant_gate", "tenant_id", "gate_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    compound_id: Mapped[int] = mapped_column()
    gate_id: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(40))
    #: Keyed SHA-256 of the agent's 256-bit random secret (xgm.gateagents.pairing.secret_digest).
    secret_hash: Mapped[str] = mapped_column(String(64))
    paired_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when a manager revokes the agent; its credentials stop working at once.
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Health, as the agent last reported it.
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
    last_ip: Mapped[str] = mapped_column(String(45), default="")
    version: Mapped[str] = mapped_column(String(40), default="")
    #: hikvision, http-relay or serial: the adapter the agent drives its device with.
    adapter: Mapped[str] = mapped_column(String(20), default="")
    last_outcome: Mapped[str] = mapped_column(String(16), default="")
    last_outcome_at: Mapped[datetime | None] = mapped_column(default=None)

    compound = relationship(Compound, lazy="joined", viewonly=True)
    gate = relationship(Gate, lazy="joined", viewonly=True)

    @property
    def is_revoked(self) -> bool:
        """True once a manager has revoked the agent."""
        return self.revoked_at is not None

    def audit_actor(self) -> tuple[str, int, str]:
        """(kind, id, name) for the audit log."""
        return "gate_agent", self.id, self.name


class AgentPairingCode(TenantScoped, db.Model):
    """A one-time, 15-minute code a manager creates to pair one agent with a gate."""

    __tablename__ = "agent_pairing_code"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "gate_id"],
            ["gate.tenant_id", "gate.id"],
            name="fk_agent_pairing_code_gate_tenant",
        ),
        Index("ix_agent_pairing_code_tenant_created", "tenant_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the 8-character code; the code itself is shown once and never stored.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    gate_id: Mapped[int] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The agent paired with this code.
    agent_id: Mapped[int | None] = mapped_column(default=None)

    gate = relationship(Gate, lazy="joined", viewonly=True)


class GateCommand(TenantScoped, db.Model):
    """One "open" sent to a gate's agents: who asked, for which arrival, and what became of it."""

    __tablename__ = "gate_command"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "gate_id"],
            ["gate.tenant_id", "gate.id"],
            name="fk_gate_command_gate_tenant",
        ),
        Index("ix_gate_command_tenant_gate_created", "tenant_id", "gate_id", "created_at"),
        Index("ix_gate_command_tenant_arrival", "tenant_id", "arrival_id"),
        # The sweep looks for unsettled commands across tenants (pending or claimed, old).
        Index("ix_gate_command_status_expires", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The command's id on the wire (the agent's API and its memory of executed commands).
    key: Mapped[str] = mapped_column(String(32), unique=True, default=new_command_key)
    gate_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(16), default="open")
    #: The arrival the guard admitted (plain id: the log outlives what it mentions); None for a
    #: manager's test.
    arrival_id: Mapped[int | None] = mapped_column(default=None)
    #: Who asked: "guard", "user" or "system", with the name as it was.
    requested_by_kind: Mapped[str] = mapped_column(String(16), default="system")
    requested_by_id: Mapped[int | None] = mapped_column(default=None)
    requested_by_name: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: created_at + 10 s: no agent may claim the command after this.
    expires_at: Mapped[datetime] = mapped_column()
    #: One of STATUSES.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    #: When an agent's poll first carried the command.
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by_agent_id: Mapped[int | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The device's answer as the agent reported it (or why the server settled the command).
    answer: Mapped[str] = mapped_column(String(500), default="")

    @property
    def is_finished(self) -> bool:
        """True once the command has its final status."""
        return self.status in FINISHED
