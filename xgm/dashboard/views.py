"""`/dashboard`: how the company's gates are doing over a period, for owners and managers."""

from flask import abort, render_template, request
from sqlalchemy import select

from xgm.accounts.access import office_required
from xgm.compounds.models import Compound, Gate
from xgm.compounds.ordering import natural_key
from xgm.dashboard import bp
from xgm.errors import render_error
from xgm.extensions import db
from xgm.replica import replica_reads
from xgm.reporting import figures
from xgm.reporting.labels import OUTCOME_LABELS
from xgm.reporting.periods import PeriodError, period_from_args
from xgm.reporting.presenting import figure_context


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        abort(404)


from xgm.presence.overstay import open_overstays  # noqa: E402
from xgm.presence.stays import minutes_inside  # noqa: E402
from xgm.privacy import log_access  # noqa: E402


@bp.route("/dashboard")
@office_required("owner", "manager")
@replica_reads
def index():
    """Entries, wait times, outcomes, platforms, complaints, unattended arrivals and each guard's
    time to decision, for a period, compound and gate."""
    try:
        period = period_from_args(request.args)
    except PeriodError as exc:
        return render_error(400, str(exc))
    compounds = sorted(
        db.session.scalars(select(Compound).where(Compound.archived.is_(False))).all(),
        key=lambda c: natural_key(c.name),
    )
    gates = sorted(db.session.scalars(select(Gate)).all(), key=lambda g: natural_key(g.name))
    compound_id, gate_id = _int_arg("compound"), _int_arg("gate")
    compound_ids = None
    if compound_id is not None:
        if compound_id not in {c.id for c in compounds}:
            abort(404)
        compound_ids = (compound_id,)
    if gate_id is not None:
        gate = next((g for g in gates if g.id == gate_id), None)
        if gate is None or (compound_id is not None and gate.compound_id != compound_id):
            abort(404)
    scope = figures.Scope(period.start, period.end, compound_ids=compound_ids, gate_id=gate_id)
    unattended_total, unattended = figures.unattended_arrivals(scope)
    overstays = open_overstays(list(compound_ids) if compound_ids else None)
    if overstays:
        log_access(overstays, "office_inside")  # the alert names the riders
    return render_template(
        "dashboard/index.html",
        period=period,
        compounds=compounds,
        gates=gates,
        compound_id=compound_id,
        gate_id=gate_id,
        unattended_total=unattended_total,
        outcome_labels=OUTCOME_LABELS,
        unattended=unattended,
        guard_times=figures.decision_times_by_guard(scope),
        overstays=overstays,
        overstay_minutes={a.id: minutes_inside(a) for a in overstays},
        **figure_context(figures.dashboard(scope)),
    )
