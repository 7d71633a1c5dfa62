"""The gate's barrier on the guard's phone: 再次开闸, the barrier state of a card, and the
barriers of the phone's gates (the offline-agent banner)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents.display import latest_for_arrival
from xgm.gateagents.health import gate_state
from xgm.guardphone.cards import answer, arrival_or_404
from xgm.guards.access import current_device, current_guard, guard_required
from xgm.passes.barrier import open_for
from xgm.passes.feed import arrival_json
from xgm.privacy import log_access, shows_rider_data
from xgm.riders.city import to_cn_iso


@guard_required
@shows_rider_data
def reopen(arrival_id: int):
    """再次开闸: the guard sends the open command again for an admitted rider."""
    arrival = arrival_or_404(arrival_id)
    if arrival.outcome != "admitted":
        return answer(arrival, 409, _("只有已放行的骑手可以开闸"))
    if arrival.left_at is not None:
        return answer(arrival, 409, _("该骑手已离开"))
    if open_for(arrival, current_guard()) is None:
        return answer(arrival, 409, _("该门岗没有配对开闸器，请人工抬杆"))
    log_access([arrival], "guard_card")
    return answer(arrival)


@guard_required
@shows_rider_data
def barrier(arrival_id: int):
    """The card's barrier state now (a command past its time is settled first)."""
    arrival = arrival_or_404(arrival_id)
    if arrival.barrier in ("pending", "claimed") and latest_for_arrival(arrival.id) is not None:
        db.session.refresh(arrival)
    log_access([arrival], "guard_card")  # the card it answers shows the rider's data
    return jsonify({"arrival": arrival_json(arrival)})


@guard_required
def barriers():
    """The barriers of the phone's gates: which have an agent, and whether it is online."""
    device = current_device()
    query = select(Gate).where(Gate.compound_id == device.compound_id, Gate.active.is_(True))
    if device.gate_id is not None:
        query = query.where(Gate.id == device.gate_id)
    gates = []
    for gate in db.session.scalars(query.order_by(Gate.id)):
        state = gate_state(gate.id)
        if state.has_agent:
            gates.append(
                {
                    "id": gate.id,
                    "name": gate.name,
                    "state": state.state,
                    "last_seen_at": to_cn_iso(state.last_seen_at),
                }
            )
    response = jsonify({"gates": gates})
    response.headers["Cache-Control"] = "no-store"
    return response
