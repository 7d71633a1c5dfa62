"""Exits and the in-the-compound list: 我已出门, the exit poster, the manager's 在院内 page,
the exit poster PDF (the guard's 已离开 and /guard/inside are in xgm.guardphone.exits)."""

from __future__ import annotations

from flask import abort, jsonify, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from tenants import get_or_404, set_request_tenant, unscoped, utcnow
from xgm.accounts.access import office_required
from xgm.accounts.forms import ConfirmForm
from xgm.compounds.models import Compound, Gate, new_gate_token
from xgm.extensions import db, limiter
from xgm.passes.views import KEY_RE, TOKEN_RE, _arrival_by_key, pass_state
from xgm.presence import bp
from xgm.presence.overstay import sweep_compound
from xgm.presence.stays import inside, leave, minutes_inside, open_stay_of
from xgm.privacy import log_access, shows_rider_data
from xgm.riders.cookie import current_rider_code


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/passes/<key>/exit", methods=["POST"])
@limiter.limit("30 per minute")
def rider_exit(key: str):
    """我已出门: the rider records leaving the compound from the pass."""
    arrival = _arrival_by_key(key) if KEY_RE.match(key) else None
    if arrival is None:
        return _no_store(make_response(render_template("passes/expired.html"), 404))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if arrival.outcome == "admitted" and arrival.left_at is None:
        leave(arrival, "pass")
    if request.accept_mimetypes.best == "application/json":
        return _no_store(jsonify(pass_state(arrival)))
    return redirect(url_for("passes.card", key=arrival.pass_key))


def _gate_by_exit_token(token: str) -> Gate | None:
    if not TOKEN_RE.match(token):
        return None
    with unscoped():  # the exit poster's token alone says which tenant the rider is leaving
        gate = db.session.scalars(
            select(Gate).where(Gate.exit_token == token, Gate.active.is_(True))
        ).first()
    if gate is None:
        return None
    set_request_tenant(gate.tenant_id)
    return gate


@bp.route("/x/<token>")
@limiter.limit("30 per minute")
def exit_scan(token: str):
    """The rider scanned the gate's exit poster: the exit of the stay in this compound."""
    gate = _gate_by_exit_token(token)
    if gate is None or gate.compound.archived:
        return _no_store(make_response(render_template("passes/expired.html"), 404))
    stay = open_stay_of(current_rider_code() or "", gate.compound_id)
    recorded = stay is not None and leave(stay, "exit-poster")
    page = render_template(
        "presence/exit.html",
        gate=gate,
        stay=stay,
        recorded=recorded,
        signed_in=bool(current_rider_code()),
    )
    return _no_store(make_response(page, 200))


@bp.route("/compounds/<int:compound_id>/inside")
@office_required()
@shows_rider_data
def compound_inside(compound_id: int):
    """在院内 for the manager: who is inside the compound now, for how long, overstays first."""
    compound = get_or_404(Compound, compound_id)
    now = utcnow()
    sweep_compound(compound.id, now)
    rows = inside(compound.id, now=now)
    rows.sort(key=lambda a: (a.overstay_at is None, a.decided_at))
    log_access(rows, "office_inside")
    return render_template(
        "presence/inside.html",
        compound=compound,
        rows=rows,
        minutes={a.id: minutes_inside(a, now) for a in rows},
    )


def exit_url(gate: Gate) -> str:
    """`<XGM_PUBLIC_URL>/x/<exit token>`: what the exit poster's QR code carries."""
    from flask import current_app

    return f"{current_app.config['XGM_PUBLIC_URL'].rstrip('/')}/x/{gate.exit_token}"


@bp.route("/gates/<int:gate_id>/exit-poster", methods=["POST"])
@office_required()
def exit_poster(gate_id: int):
    """The gate's exit poster (A4 PDF); its token is made on the first print."""
    from printables import render_poster_pdf
    from xgm.posters.rendering import exit_poster_for

    gate = get_or_404(Gate, gate_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not gate.exit_token:
        gate.exit_token = new_gate_token()
        db.session.commit()
    pdf = render_poster_pdf(exit_poster_for(gate, gate.compound, exit_url(gate)))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="exit-{gate.id}.pdf"'
    return _no_store(response)
