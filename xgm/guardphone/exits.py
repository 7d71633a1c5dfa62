"""Who is inside, on the guard's phone: 已离开 on a card, and GET /guard/inside (the riders in
the compound now, with their time inside). The stays themselves are xgm.presence's."""

from __future__ import annotations

from flask import jsonify
from flask_babel import gettext as _

from tenants import utcnow
from xgm.guardphone.cards import answer, arrival_or_404
from xgm.guards.access import current_device, guard_required
from xgm.presence.overstay import sweep_compound
from xgm.presence.stays import inside, leave, minutes_inside
from xgm.privacy import log_access, shows_rider_data
from xgm.riders.city import to_cn_iso


@guard_required
@shows_rider_data
def left(arrival_id: int):
    """已离开: the guard records that an admitted rider left the compound."""
    arrival = arrival_or_404(arrival_id)
    if arrival.outcome != "admitted":
        return answer(arrival, 409, _("只有已放行的骑手可以标记离开"))
    leave(arrival, "guard")
    log_access([arrival], "guard_card")
    return answer(arrival)


def inside_json(rows, now) -> list[dict]:
    """The contract's rows of GET /guard/inside."""
    return [
        {
            "arrival_id": a.id,
            "rider_code": a.rider_code,
            "gate": a.gate_name,
            "since": to_cn_iso(a.decided_at),
            "minutes": minutes_inside(a, now),
            "overstay": a.overstay_at is not None,
        }
        for a in rows
    ]


@guard_required
@shows_rider_data
def riders_inside():
    """在院内: the riders inside the guard session's compound, with their time inside."""
    device = current_device()
    now = utcnow()
    sweep_compound(device.compound_id, now)
    rows = inside(device.compound_id, now=now)
    log_access(rows, "guard_card")
    response = jsonify({"inside": inside_json(rows, now)})
    response.headers["Cache-Control"] = "no-store"
    return response
