"""`/oversight`: an observer's read-only view of every compound in their area, across tenants."""

from flask import abort, render_template, request
from sqlalchemy import func, select

from tenants import unscoped, utcnow
from xgm.complaints.deadlines import overdue_condition
from xgm.complaints.labels import CATEGORY_LABELS, STATUS_LABELS
from xgm.complaints.models import Complaint
from xgm.errors import render_error
from xgm.extensions import db
from xgm.oversight import bp
from xgm.oversight.access import current_observer, observer_required
from xgm.oversight.area import area_compounds
from xgm.replica import replica_reads
from xgm.reporting import figures
from xgm.reporting.periods import PeriodError, period_from_args
from xgm.reporting.presenting import figure_context

COMPLAINTS_SHOWN = 200


def recent_complaints(scope: figures.Scope, limit: int = COMPLAINTS_SHOWN) -> list[dict]:
    """Complaints filed in the scope, newest first: rider codes only, never names or phones."""
    rows = db.session.execute(
        select(
            Complaint.id,
            Complaint.created_at,
            Complaint.compound_id,
            Complaint.rider_code,
            Complaint.category,
            Complaint.status,
            overdue_condition(Complaint, utcnow()).label("overdue"),
        )
        .where(*figures.scope_filters(Complaint, scope))
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(limit)
    ).all()
    return [row._asdict() for row in rows]


def overdue_count(scope: figures.Scope) -> int:
    """Complaints of the scope's compounds overdue at the city now, whenever they were filed."""
    conds = [overdue_condition(Complaint, utcnow())]
    if scope.tenant_ids is not None:
        conds.append(Complaint.tenant_id.in_(scope.tenant_ids))
    if scope.compound_ids is not None:
        conds.append(Complaint.compound_id.in_(scope.compound_ids))
    return db.session.scalar(select(func.count(Complaint.id)).where(*conds)) or 0


@bp.route("/oversight")
@observer_required
@replica_reads
def index():
    """Figures of the area's compounds (all, or one), per compound, and the complaints filed."""
    observer = current_observer()
    try:
        period = period_from_args(request.args)
    except PeriodError as exc:
        return render_error(400, str(exc))
    area = area_compounds(observer)
    compounds = {compound.id: (compound, tenant) for compound, tenant in area}
    selected = request.args.get("compound", "")
    if selected:
        if not selected.isdigit() or int(selected) not in compounds:
            abort(404)
        ids = (int(selected),)
    else:
        ids = tuple(compounds)
    tenant_ids = tuple(sorted({compounds[cid][1].id for cid in ids}))
    scope = figures.Scope(period.start, period.end, compound_ids=ids, tenant_ids=tenant_ids)
    with unscoped():  # cross-tenant read, limited to the observer's area by the scope above
        fig = figures.dashboard(scope)
        rows = figures.per_compound(scope)
        complaints = recent_complaints(scope)
        overdue_total = overdue_count(scope)
    return render_template(
        "oversight/index.html",
        observer=observer,
        period=period,
        compounds=[compounds[cid] for cid in ids],
        all_compounds=area,
        selected=int(selected) if selected else None,
        rows=rows,
        complaints=complaints,
        overdue_total=overdue_total,
        compound_names={cid: c.name for cid, (c, _) in compounds.items()},
        category_labels=CATEGORY_LABELS,
        status_labels=STATUS_LABELS,
        **figure_context(fig),
    )
