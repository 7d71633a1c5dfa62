"""Gate agents gone offline as team alerts: one `agent_offline` per episode (xgm.alerts.watch)."""

from sqlalchemy import select

from tenants import unscoped, utcnow
from xgm.alerts.watch import observe
from xgm.alerts.watchers import last_seen_detail
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.gateagents.health import ONLINE_WITHIN, is_online
from xgm.gateagents.models import GateAgent


def watch_agents() -> int:
    """Look at every unrevoked agent of every tenant; returns how many alerts it raised.

    An agent is offline when it has not polled within ONLINE_WITHIN (one never seen counts
    from its pairing).
    """
    now = utcnow()
    with unscoped():  # a sweep over every tenant's agents
        rows = db.session.execute(
            select(GateAgent, Gate.name, Compound.name)
            .join(Gate, (Gate.id == GateAgent.gate_id) & (Gate.tenant_id == GateAgent.tenant_id))
            .join(
                Compound,
                (Compound.id == GateAgent.compound_id)
                & (Compound.tenant_id == GateAgent.tenant_id),
            )
            .where(GateAgent.revoked_at.is_(None))
        ).all()
    db.session.rollback()
    raised = 0
    for agent, gate_name, compound_name in rows:
        seen = agent.last_seen_at or agent.paired_at
        offline = not is_online(agent, now) and now - seen > ONLINE_WITHIN
        raised += observe(
            agent.tenant_id,
            f"agent:{agent.id}",
            offline,
            "agent_offline",
            compound_id=agent.compound_id,
            ref=f"{compound_name} · {gate_name} · {agent.name}",
            detail=last_seen_detail(agent.last_seen_at),
            link=f"/gates/{agent.gate_id}/agents",
        )
    return raised
