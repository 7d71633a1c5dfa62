"""What a guard does on a card: 放行, 拒绝 (and block the rider here), 加入黑名单 after
自动放行 (which leaves no 拒绝 to block from), and the rider's full phone number."""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_babel import gettext as _

from xgm.guardphone.cards import answer, arrival_or_404, field_errors, wants_json
from xgm.guards.access import current_guard, guard_required
from xgm.passes.barrier import open_for
from xgm.passes.decisions import NotPending, block_from_deny, decide
from xgm.passes.forms import DenyForm
from xgm.privacy import log_access, shows_rider_data


def _not_pending(exc: NotPending):
    return answer(exc.arrival, 409, _("该骑手已处理或已过期"))


@guard_required
@shows_rider_data
def admit(arrival_id: int):
    """放行: the guard admits a pending arrival; the rider's pass turns green."""
    arrival = arrival_or_404(arrival_id)
    try:
        decide(arrival, "admitted", current_guard())
    except NotPending as exc:
        return _not_pending(exc)
    open_for(arrival, current_guard())  # a gate with an agent opens its barrier
    log_access([arrival], "guard_card")  # the card may have come by the stream only
    return answer(arrival)


@guard_required
@shows_rider_data
def deny(arrival_id: int):
    """拒绝: the guard denies a pending arrival with a reason (and may block the rider here)."""
    arrival = arrival_or_404(arrival_id)
    form = DenyForm(meta={"csrf": False})  # CSRFProtect checked the field or X-CSRFToken
    if not form.validate():
        message = next(iter(form.errors.values()))[0] if form.errors else _("请填写拒绝原因")
        if wants_json():
            response = jsonify({"error": str(message), "fields": field_errors(form)})
            response.status_code = 400
            return response
        abort(400)
    reason = form.reason.data.strip()
    guard = current_guard()
    try:
        decide(arrival, "denied", guard, reason)
    except NotPending as exc:
        return _not_pending(exc)
    if form.block.data:
        block_from_deny(arrival, guard, reason, form.block_days.data or 0)
    log_access([arrival], "guard_card")  # the card may have come by the stream only
    return answer(arrival)


@guard_required
@shows_rider_data
def block(arrival_id: int):
    """拉黑 after 自动放行: the guard blocks an admitted rider at this compound, with a reason."""
    arrival = arrival_or_404(arrival_id)
    form = DenyForm(meta={"csrf": False})  # CSRFProtect checked the field or X-CSRFToken
    if not form.validate():
        message = (
            next(iter(form.errors.values()))[0] if form.errors else _("请填写加入黑名单的原因")
        )
        response = jsonify({"error": str(message), "fields": field_errors(form)})
        response.status_code = 400
        return response
    if arrival.outcome != "admitted" or not arrival.rider_code:
        return answer(arrival, 409, _("只有已放行的骑手可以在这里加入黑名单"))
    block_from_deny(arrival, current_guard(), form.reason.data.strip(), form.block_days.data or 0)
    log_access([arrival], "guard_card")
    return answer(arrival)


@guard_required
@shows_rider_data
def rider_phone(arrival_id: int):
    """The rider's full phone number, for the card's call button; every reveal and call is logged."""
    arrival = arrival_or_404(arrival_id)
    if not arrival.rider_phone:
        response = jsonify({"error": _("这位骑手没有留电话")})
        response.status_code = 404
        return response
    place = "phone_call" if request.form.get("kind") == "call" else "phone_reveal"
    log_access(
        [arrival], place
    )  # every time (EVERY_TIME places); PIPL: who saw or dialled the full number
    response = jsonify({"phone": arrival.rider_phone})
    response.headers["Cache-Control"] = "no-store"
    return response
