"""The arrival cards of the guard's phone: which arrivals the phone may load and act on, a
card's JSON, how a card action answers, and the list the console loads (GET /guard/arrivals)."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, jsonify, redirect, request, url_for
from sqlalchemy import or_, select

from tenants import utcnow
from xgm.extensions import db
from xgm.guards.access import current_device, guard_get_or_404, guard_required
from xgm.passes.feed import arrival_json
from xgm.passes.flags import card_flags
from xgm.passes.models import Arrival
from xgm.passes.scanning import expire_stale
from xgm.passes.waiting import mark_due
from xgm.privacy import log_access, shows_rider_data
from xgm.riders.city import to_cn_iso
from xgm.riders.link import watch_city

#: The console lists the arrivals of the last shift at most.
LIST_WINDOW = timedelta(hours=12)
LIST_LIMIT = 50


def phone_scope(query):
    """Restrict a query to the phone's compound, and to its gate (plus the compound's
    unattended arrivals, which every phone is asked to take) when the phone has one."""
    device = current_device()
    query = query.where(Arrival.compound_id == device.compound_id)
    if device.gate_id is not None:
        query = query.where(
            or_(Arrival.gate_id == device.gate_id, Arrival.unattended_at.is_not(None))
        )
    return query


def arrival_or_404(arrival_id: int) -> Arrival:
    """An arrival this phone may act on (its compound, its gate or unattended), else 404."""
    arrival = guard_get_or_404(Arrival, arrival_id)
    gate_id = current_device().gate_id
    if gate_id is not None and arrival.gate_id != gate_id and arrival.unattended_at is None:
        abort(404)
    return arrival


def card_json(arrival: Arrival, flags: dict[int, list[str]] | None = None) -> dict:
    """The card with its marks (已投诉, 已加入黑名单), as the console's list and answers send it."""
    body = arrival_json(arrival)
    flags = card_flags([arrival]) if flags is None else flags
    body["flags"] = flags.get(arrival.id, [])
    return body


def wants_json() -> bool:
    """The console's script asked (a plain form post did not)."""
    return request.accept_mimetypes.best == "application/json" or request.is_json


def answer(arrival: Arrival, status: int = 200, error: str | None = None):
    """JSON for the console's script; a redirect back to the console for a plain form post."""
    if wants_json():
        body = {"arrival": card_json(arrival)}
        if error:
            body["error"] = error
        response = jsonify(body)
        response.status_code = status
        return response
    return redirect(url_for("guardphone.console"))


def field_errors(form) -> dict:
    """A form's errors by field, as the console's script shows them."""
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


@guard_required
@shows_rider_data
def arrivals():
    """The phone's arrivals, newest first (the console loads this, then follows the stream)."""
    compound_id = current_device().compound_id
    expire_stale(compound_id)
    mark_due(compound_id)  # the poll path: phones reload when a card passes the threshold
    rows = db.session.scalars(
        phone_scope(select(Arrival))
        .where(Arrival.created_at > utcnow() - LIST_WINDOW)
        .order_by(Arrival.created_at.desc(), Arrival.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    log_access(rows, "guard_card")  # PIPL: the cards show riders' names, phones and photos
    flags = card_flags(rows)
    response = jsonify(
        {
            "arrivals": [card_json(a, flags) for a in rows],
            "city": {"down": watch_city()},
            "now": to_cn_iso(utcnow()),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
