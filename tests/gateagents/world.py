"""Isolation world: tenant A's gate agent at its gate (fills <gate_agent_id>)."""

from sqlalchemy import inspect

from tenants import tenant_context
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents.models import GateAgent
from xgm.gateagents.pairing import secret_digest

ORDER = 50


def build(world) -> None:
    """An agent paired with tenant A's gate (the gate pages take <gate_id> from compounds)."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        gate = db.session.scalars(db.select(Gate).where(Gate.id == world.ids["gate_id"])).one()
        agent = GateAgent(
            compound_id=gate.compound_id,
            gate_id=gate.id,
            name="东门开闸器 1",
            secret_hash=secret_digest("world-agent-secret-not-used-by-any-request"),
        )
        db.session.add(agent)
        db.session.commit()
        world.ids["gate_agent_id"] = agent.id
