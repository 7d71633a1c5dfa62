"""The rider's side: `/g/<token>` (sign-in, scan, live pass), the pass status, manual sign-up."""

import re
from datetime import datetime

from flask import jsonify, make_response, redirect, render_template, url_for
from sqlalchemy import select

from tenants import set_request_tenant, unscoped
from xgm.compounds.lookup import CompoundInfo, GateInfo, resolve_token
from xgm.compounds.models import Compound
from xgm.extensions import db, limiter
from xgm.observability import metrics
from xgm.passes import bp
from xgm.passes.claim import one_scan_at_a_time
from xgm.passes.forms import ManualForm
from xgm.passes.models import Arrival
from xgm.passes.scanning import (
    ScanReads,
    expire_if_stale,
    judge,
    prefetch,
    record_scan,
    register_manual,
)
from xgm.riders.city import CN_TZ, city_link_down, probe_city, to_cn_iso
from xgm.riders.cookie import current_rider_code
from xgm.riders.views import start_signin

#: Tokens are URL-safe base64; anything else cannot be one and is not looked up.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEY_RE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")


def resolve_gate(token: str, reply=None) -> tuple[GateInfo, CompoundInfo] | None:
    """The active gate of a live compound that carries this token, or None (any tenant)."""
    if not TOKEN_RE.match(token):
        return None
    return resolve_token(token, reply)  # cached in Redis, retired by every gate/compound change


def _page(template: str, status: int = 200, **context):
    """Render a page nobody may cache: it is live and personal."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _manual_page(gate: GateInfo, compound: CompoundInfo, form: ManualForm | None = None):
    return _page("passes/manual.html", 200, gate=gate, compound=compound, form=form or ManualForm())


def now_cn() -> datetime:
    """The time in China now (the pass prints it before its script keeps it running)."""
    return datetime.now(CN_TZ)


def show_pass(
    arrival: Arrival, compound: Compound | CompoundInfo | None = None, gate_token: str | None = None
):
    """The live pass, or the full red refusal screen."""
    if compound is None:
        compound = db.session.scalars(
            select(Compound).where(Compound.id == arrival.compound_id)
        ).first()
    template = "passes/refused.html" if arrival.outcome == "refused" else "passes/pass.html"
    return _page(
        template,
        200,
        arrival=arrival,
        compound=compound,
        now=now_cn(),
        # The "not me" form (riders.switch validates it with SwitchForm) is just the CSRF
        # token, rendered by the template with csrf_token(): no form object on every scan.
        gate_token=gate_token if current_rider_code() else None,
    )


@bp.route("/g/<token>")
def gate(token: str):
    """The rider scanned a gate: sign in with the city once, then the live pass (or a refusal)."""
    if not TOKEN_RE.match(token):
        return _page("passes/expired.html", 404)
    rider_code = current_rider_code()
    reads = prefetch(token, rider_code)  # caches and the scan's claim in one round trip
    # A second scan of this rider at this gate waits here for the first (no double arrival).
    with one_scan_at_a_time(token, rider_code, reads.claim_value, reads.claim):
        return _scan(token, rider_code, reads)


def _scan(token: str, rider_code: str | None, reads: ScanReads):
    found = resolve_gate(token, reads.gate)
    if found is None:
        metrics.record_scan("unknown_gate")
        return _page("passes/expired.html", 404)
    gate, compound = found
    set_request_tenant(gate.tenant_id)
    if rider_code is None:
        if city_link_down():
            return _manual_page(gate, compound)
        return start_signin(token)
    verdict = judge(rider_code, compound.id, reads)
    if verdict is None:
        metrics.record_scan("city_down")
        return _manual_page(gate, compound)
    arrival = record_scan(gate, compound, rider_code, verdict)
    metrics.record_scan(arrival.outcome)
    return show_pass(arrival, compound, token)


@bp.route("/g/<token>/manual", methods=["POST"])
@limiter.limit("20 per minute")
def manual(token: str):
    """The city is down and nothing vouches for the rider: register by hand for the guard."""
    found = resolve_gate(token)
    if found is None:
        return _page("passes/expired.html", 404)
    gate, compound = found
    set_request_tenant(gate.tenant_id)
    form = ManualForm()
    if not form.validate_on_submit():
        return _manual_page(gate, compound, form)
    if not city_link_down() and probe_city():
        # The city is back: verify properly instead.
        return redirect(url_for("passes.gate", token=token))
    arrival = register_manual(
        gate,
        compound,
        form.name.data.strip(),
        form.phone.data,
        form.platform.data,
        current_rider_code() or "",
    )
    return redirect(url_for("passes.card", key=arrival.pass_key))


def _arrival_by_key(key: str) -> Arrival | None:
    """The arrival behind a pass URL (any tenant; binds the request to its tenant)."""
    if not KEY_RE.match(key):
        return None
    with unscoped():  # the key alone says which tenant the pass belongs to
        arrival = db.session.scalars(select(Arrival).where(Arrival.pass_key == key)).first()
    if arrival is None:
        return None
    set_request_tenant(arrival.tenant_id)
    return expire_if_stale(arrival)


def pass_state(arrival: Arrival) -> dict:
    """The small JSON the pass page polls."""
    return {
        "outcome": arrival.outcome,
        "refusal": arrival.refusal,
        "reason": arrival.reason,
        "decided_at": to_cn_iso(arrival.decided_at),
        "offline": arrival.offline,
        "manual": arrival.manual,
    }


@bp.route("/passes/<key>")
def card(key: str):
    """A pass by its own URL (after a manual registration, or a reload)."""
    arrival = _arrival_by_key(key)
    if arrival is None:
        return _page("passes/expired.html", 404)
    return show_pass(arrival)


@bp.route("/passes/<key>/status")
def status(key: str):
    """The pass's outcome, polled by the rider's phone until the guard decides."""
    arrival = _arrival_by_key(key)
    if arrival is None:
        response = jsonify({"error": "not_found"})
        response.status_code = 404
    else:
        response = jsonify(pass_state(arrival))
    response.headers["Cache-Control"] = "no-store"
    return response
