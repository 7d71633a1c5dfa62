"""The guard console's barrier: 再次开闸, the barrier state of a card, the offline-agent banner,
and blocking a rider the gate admitted automatically (自动放行 leaves no 拒绝 to block from)."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import select

from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents.display import latest_for_arrival
from xgm.gateagents.health import gate_state
from xgm.guards.access import current_device, current_guard, guard_required
from xgm.passes import bp
from xgm.passes.barrier import open_for
from xgm.passes.console import _answer, _arrival_or_404, _field_errors
from xgm.passes.decisions import block_from_deny
from xgm.passes.forms import DenyForm
from xgm.privacy import log_access, shows_rider_data
from xgm.riders.city import to_cn_iso


@bp.route("/guard/arrivals/<int:arrival_id>/open", methods=["POST"])
@guard_required
@shows_rider_data
def guard_open(arrival_id: int):
    """再次开闸: the guard sends the open command again for an admitted rider."""
    arrival = _arrival_or_404(arrival_id)
    if arrival.outcome != "admitted":
        return _answer(arrival, 409, _("只有已放行的骑手可以开闸"))
    if arrival.left_at is not None:
        return _answer(arrival, 409, _("该骑手已离开"))
    if open_for(arrival, current_guard()) is None:
        return _answer(arrival, 409, _("该门岗没有配对开闸器，请人工抬杆"))
    log_access([arrival], "guard_card")
    return _answer(arrival)


@bp.route("/guard/arrivals/<int:arrival_id>/barrier")
@guard_required
@shows_rider_data
def guard_barrier(arrival_id: int):
    """The card's barrier state now (a command past its time is settled first)."""
    arrival = _arrival_or_404(arrival_id)
    if arrival.barrier in ("pending", "claimed") and latest_for_arrival(arrival.id) is not None:
        db.session.refresh(arrival)
    log_access([arrival], "guard_card")  # the card it answers shows the rider's data
    return jsonify({"arrival": _answer_json(arrival)})


def _answer_json(arrival) -> dict:
    from xgm.passes.feed import arrival_json

    return arrival_json(arrival)


@bp.route("/guard/arrivals/<int:arrival_id>/block", methods=["POST"])
@guard_required
@shows_rider_data
def guard_block(arrival_id: int):
    """拉黑 after 自动放行: the guard blocks an admitted rider at this compound, with a reason."""
    arrival = _arrival_or_404(arrival_id)
    form = DenyForm(meta={"csrf": False})  # CSRFProtect checked the field or X-CSRFToken
    if not form.validate():
        message = (
            next(iter(form.errors.values()))[0] if form.errors else _("请填写加入黑名单的原因")
        )
        response = jsonify({"error": str(message), "fields": _field_errors(form)})
        response.status_code = 400
        return response
    if arrival.outcome != "admitted" or not arrival.rider_code:
        return _answer(arrival, 409, _("只有已放行的骑手可以在这里加入黑名单"))
    block_from_deny(arrival, current_guard(), form.reason.data.strip(), form.block_days.data or 0)
    log_access([arrival], "guard_card")
    return _answer(arrival)


@bp.route("/guard/barriers")
@guard_required
def guard_barriers():
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
