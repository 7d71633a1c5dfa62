"""The barrier of an admitted arrival: open it through the gate's agent, follow the result.

The arrival keeps the state of its newest open command (`barrier`, `barrier_answer`), so the
console's JSON and stream carry it with no query per card. `open_for` is called after the
guard's 放行, after an automatic admission and by 再次开闸; `on_command_settled` (registered
with xgm.gateagents at start-up) copies a settled command's result onto its arrival and
publishes the arrival to the compound's phones.
"""

from __future__ import annotations

from sqlalchemy import select, update

from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents.commands import NoGateAgent, has_agent, open_gate
from xgm.gateagents.models import GateCommand
from xgm.passes.feed import publish
from xgm.passes.models import Arrival


def open_for(arrival: Arrival, actor=None) -> GateCommand | None:
    """Send the open command for an admitted arrival when its gate has an agent (else None);
    the arrival shows the barrier as pending until the agent reports. Commits, publishes."""
    if arrival.outcome != "admitted" or not has_agent(arrival.gate_id):
        return None
    gate = db.session.get(Gate, arrival.gate_id)
    if gate is None:
        return None
    db.session.execute(
        update(Arrival)
        .where(Arrival.id == arrival.id)
        .values(barrier="pending", barrier_answer="")
        .execution_options(synchronize_session=False)
    )
    try:
        command = open_gate(gate, arrival, actor)  # commits the arrival's barrier too
    except NoGateAgent:  # revoked between the check and the send
        db.session.rollback()
        return None
    arrival.barrier, arrival.barrier_answer = "pending", ""
    if arrival in db.session:
        db.session.refresh(arrival)
    publish(arrival)
    return command


def on_command_settled(command: GateCommand) -> None:
    """Copy a settled command's result onto its arrival (when it is the arrival's newest
    command) and publish the arrival to the compound's phones."""
    if command.arrival_id is None:
        return
    newest = db.session.scalar(
        select(GateCommand.id)
        .where(GateCommand.arrival_id == command.arrival_id)
        .order_by(GateCommand.id.desc())
        .limit(1)
    )
    if newest != command.id:
        return
    db.session.execute(
        update(Arrival)
        .where(Arrival.id == command.arrival_id)
        .values(barrier=command.status, barrier_answer=(command.answer or "")[:200])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    arrival = db.session.get(Arrival, command.arrival_id)
    if arrival is not None:
        db.session.refresh(arrival)
        publish(arrival)
