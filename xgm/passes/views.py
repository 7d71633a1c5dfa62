"""The rider's side: `/g/<token>` (sign-in, scan, live pass), the pass status, manual sign-up."""

import re
from datetime import datetime

from flask import jsonify, make_response, redirect, render_template, request, url_for
from sqlalchemy import select

from chinatime import CN_TZ
from tenants import set_request_tenant, unscoped
from xgm.compounds.lookup import CompoundInfo, GateInfo, resolve_token
from xgm.compounds.models import Compound
from xgm.extensions import db, limiter
from xgm.gaterules.rules import rule_lines
from xgm.observability import metrics
from xgm.passes import bp
from xgm.passes.barrier import open_for
from xgm.passes.claim import one_scan_at_a_time
from xgm.passes.forms import ManualForm
from xgm.passes.gatepolicy import apply_gate_rules
from xgm.passes.models import Arrival
from xgm.passes.scanning import (
    ScanReads,
    expire_if_stale,
    judge,
    prefetch,
    record_scan,
    register_manual,
)
from xgm.passes.selfservice import notice_page
from xgm.riders.city import to_cn_iso
from xgm.riders.cookie import current_rider_code
from xgm.riders.link import city_answers, signin_reachable
from xgm.riders.notice import has_noticed
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


def _paused_page(gate: GateInfo, compound: CompoundInfo):
    """The company is suspended: no scan is taken at its gates; the rider asks the guard."""
    return _page("passes/paused.html", 403, gate=gate, compound=compound)


def now_cn() -> datetime:
    """The time in China now (the pass prints it before its script keeps it running)."""
    return datetime.now(CN_TZ)


def show_pass(
    arrival: Arrival,
    compound: Compound | CompoundInfo | None = None,
    gate_token: str | None = None,
    gate: GateInfo | None = None,
):
    """The live pass, or the full red screen of a refusal (rules) or a denial (guard)."""
    if compound is None:
        compound = db.session.scalars(
            select(Compound).where(Compound.id == arrival.compound_id)
        ).first()
    rules = rule_lines(gate) if gate is not None else _rules_of(arrival.gate_id)
    template = (
        "passes/refused.html" if arrival.outcome in ("refused", "denied") else "passes/pass.html"
    )
    return _page(
        template,
        200,
        arrival=arrival,
        compound=compound,
        rules=rules,
        now=now_cn(),
        # The "not me" form (riders.switch validates it with SwitchForm) is just the CSRF
        # token, rendered by the template with csrf_token(): no form object on every scan.
        gate_token=gate_token if current_rider_code() else None,
    )


def _rules_of(gate_id: int) -> list[str]:
    """The gate's rule lines for a pass opened by its own URL (no scan's GateInfo at hand)."""
    from xgm.compounds.models import Gate

    gate = db.session.get(Gate, gate_id)
    if gate is None:
        return []
    other = db.session.get(Gate, gate.other_gate_id) if gate.other_gate_id else None
    return rule_lines(gate, other.name if other is not None and other.active else "")


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
    if gate.paused:
        return _paused_page(gate, compound)
    set_request_tenant(gate.tenant_id)
    if rider_code is None:
        # Only send the rider to the city's sign-in page when the city answers (one cheap call,
        # once per phone): otherwise that page would not load, and the rider would be stuck.
        if not signin_reachable():
            return _manual_page(gate, compound)
        return start_signin(token)
    if not has_noticed(gate.tenant_id):  # PIPL art. 17: told before the first scan here
        return notice_page(gate.tenant_id, compound.name, token)
    verdict = judge(rider_code, compound.id, reads)
    if verdict is None:
        metrics.record_scan("city_down")
        return _manual_page(gate, compound)
    verdict = apply_gate_rules(gate, verdict)
    arrival = record_scan(gate, compound, rider_code, verdict, scan_source())
    metrics.record_scan(arrival.outcome)
    if arrival.auto and not arrival.barrier:
        open_for(arrival)  # 自动放行: the barrier opens without the guard's tap
    return show_pass(arrival, compound, token, gate)


def scan_source() -> str:
    """How the rider reached the gate page: "nfc" for a tag's URL (?via=nfc), else "qr"."""
    return "nfc" if request.args.get("via") == "nfc" else "qr"


@bp.route("/g/<token>/manual", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def manual(token: str):
    """The city is down and nothing vouches for the rider: register by hand for the guard."""
    found = resolve_gate(token)
    if found is None:
        return _page("passes/expired.html", 404)
    gate, compound = found
    if gate.paused:
        return _paused_page(gate, compound)
    set_request_tenant(gate.tenant_id)
    form = ManualForm()
    if request.method == "GET" or not form.validate_on_submit():
        return _manual_page(gate, compound, form)
    if city_answers():
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
        "blocked_until": to_cn_iso(arrival.blocked_until),
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
