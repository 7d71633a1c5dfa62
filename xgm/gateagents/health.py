"""Agent health: when each agent last polled, with which version and adapter, its last result.

An agent holds a long poll of at most POLL_WAIT seconds and polls again at once, so one seen
within ONLINE_WITHIN is connected; the health is written at the start of each poll (one small
UPDATE per agent every ~25 s) and when a result comes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from tenants import utcnow
from xgm.extensions import db
from xgm.gateagents.models import GateAgent

#: The longest a poll is held (the agent asks for up to this).
POLL_WAIT = 25
#: An agent seen within this is online: a poll's length, plus room for a reconnect.
ONLINE_WITHIN = timedelta(seconds=POLL_WAIT + 50)


def is_online(agent: GateAgent, now: datetime | None = None) -> bool:
    """True when the agent is unrevoked and polled within ONLINE_WITHIN."""
    now = now or utcnow()
    return (
        agent.revoked_at is None
        and agent.last_seen_at is not None
        and now - agent.last_seen_at <= ONLINE_WITHIN
    )


def touch(agent: GateAgent, ip: str, version: str, adapter: str) -> None:
    """Note a poll: last seen now, from this address, this version and adapter (caller commits)."""
    agent.last_seen_at = utcnow()
    agent.last_ip = (ip or "")[:45]
    if version:
        agent.version = version[:40]
    if adapter:
        agent.adapter = adapter[:20]


@dataclass(frozen=True)
class GateAgentState:
    """What a screen shows about a gate's barrier: is there an agent, is one online."""

    #: "none" (no agent paired), "online" (at least one connected) or "offline".
    state: str
    agents: int
    last_seen_at: datetime | None

    @property
    def has_agent(self) -> bool:
        """True when at least one agent is paired with the gate."""
        return self.state != "none"


def gate_state(gate_id: int, now: datetime | None = None) -> GateAgentState:
    """The gate's agent state (current tenant): for the console's "开闸器离线" and the gate page."""
    now = now or utcnow()
    agents = list(
        db.session.scalars(
            select(GateAgent).where(GateAgent.gate_id == gate_id, GateAgent.revoked_at.is_(None))
        )
    )
    if not agents:
        return GateAgentState("none", 0, None)
    seen = [a.last_seen_at for a in agents if a.last_seen_at is not None]
    online = any(is_online(a, now) for a in agents)
    return GateAgentState("online" if online else "offline", len(agents), max(seen, default=None))
