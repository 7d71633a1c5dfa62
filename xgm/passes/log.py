"""Managers' arrivals log: every scan of the tenant's compounds, filtered and paginated."""

from datetime import UTC, date, datetime, time, timedelta

from flask import render_template, request
from sqlalchemy import or_, select

from chinatime import CN_TZ
from tenants import get_or_404
from xgm.accounts.access import office_required
from xgm.compounds.models import Compound, Gate
from xgm.compounds.ordering import natural_key
from xgm.extensions import db
from xgm.inputs import in_supported_range, query_id, text_problem
from xgm.inputs.paging import paginate
from xgm.passes import bp
from xgm.passes.models import OUTCOMES, Arrival
from xgm.passes.scanning import expire_if_stale, expire_stale
from xgm.privacy import log_access, shows_rider_data

PER_PAGE = 50


def _day(raw: str | None) -> date | None:
    """The ?day= filter: a YYYY-MM-DD within the supported years, else no filter."""
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day is not None and in_supported_range(day) else None


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The naive-UTC [start, end) of a Chinese calendar day."""
    start = datetime.combine(day, time(0, 0), tzinfo=CN_TZ).astimezone(UTC).replace(tzinfo=None)
    return start, start + timedelta(days=1)


def search_text(raw: str | None) -> str:
    """The ?q= search: trimmed, at most 40 characters, "" when it holds nothing searchable."""
    text = (raw or "").strip()[:40]
    return "" if text_problem(text) else text


@bp.route("/arrivals")
@office_required()
@shows_rider_data
def arrivals():
    """Managers read who came to which gate, when, and what became of it."""
    expire_stale()
    compounds = sorted(db.session.scalars(select(Compound)), key=lambda c: natural_key(c.name))
    gates = sorted(db.session.scalars(select(Gate)), key=lambda g: natural_key(g.name))
    compound_id = query_id("compound_id")
    gate_id = query_id("gate_id")
    outcome = request.args.get("outcome", "")
    day = _day(request.args.get("day"))
    q = search_text(request.args.get("q"))
    query = select(Arrival).order_by(Arrival.created_at.desc(), Arrival.id.desc())
    if compound_id:
        query = query.where(Arrival.compound_id == compound_id)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                Arrival.rider_code.ilike(pattern, escape="\\"),
                Arrival.rider_name.ilike(pattern, escape="\\"),
            )
        )
    if gate_id:
        query = query.where(Arrival.gate_id == gate_id)
    if outcome in OUTCOMES:
        query = query.where(Arrival.outcome == outcome)
    else:
        outcome = ""
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(Arrival.created_at >= start, Arrival.created_at < end)
    page = paginate(query, PER_PAGE)
    log_access(page.items, "arrival_list")  # PIPL: one row per rider shown on this page
    filters = {
        "compound_id": compound_id or None,
        "gate_id": gate_id or None,
        "outcome": outcome or None,
        "day": day.isoformat() if day else None,
        "q": q or None,
    }
    return render_template(
        "passes/arrivals.html",
        page=page,
        compounds=compounds,
        gates=gates,
        filters=filters,
        outcomes=OUTCOMES,
    )


@bp.route("/arrivals/<int:arrival_id>")
@office_required()
def arrival(arrival_id: int):
    """One arrival: the card the guard saw, the outcome, who decided and why."""
    found = expire_if_stale(get_or_404(Arrival, arrival_id))
    log_access([found], "arrival_detail")  # PIPL: who saw this rider's name, phone and photo
    return render_template("passes/arrival.html", arrival=found)
