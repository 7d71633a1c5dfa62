"""The regulator's figures (/oversight/industry): the delivery industry in a county or city.

Every function takes a `figures.Scope` naming the area's compounds and tenants and runs inside
the caller's `unscoped()` block. Definitions (the page repeats them):

- entries: arrivals a guard admitted; denied: refused by the guard; refused: refused by the
  rules (the city's status or a property's blocklist); refusals = denied + refused.
- complaints count by filing time; they carry the rider's platform, station and team as last
  seen at the filing company's gates (blank: the rider never scanned there).
- per 1,000 entries: count * 1000 / entries, one decimal; none without entries.
- response time: filing -> the city's first answer (status past `received`); resolution time:
  filing -> resolved or rejected. Hours, nearest-rank median and p90.
- overdue: open complaints at the city past a deadline (xgm.complaints.deadlines), whenever filed.
- repeated riders: rider codes with at least REPEAT complaints in the period (codes only).
- weeks: Monday-to-Sunday weeks of Beijing time.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from tenants import utcnow
from xgm.complaints.deadlines import overdue_condition
from xgm.complaints.models import Complaint
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.reporting.figures import Scope, decision_times_by_compound, per_thousand, scope_filters
from xgm.reporting.periods import to_local
from xgm.reporting.sqltime import local_week

REPEAT = 2
OVERDUE_SHOWN = 200
RIDERS_SHOWN = 100


@dataclass
class Row:
    """Counts of one group (a platform, a station/team, a week)."""

    key: tuple
    scans: int = 0
    entries: int = 0
    denied: int = 0
    refused: int = 0
    complaints: int = 0

    @property
    def refusals(self) -> int:
        """Denied by guards plus refused by the rules."""
        return self.denied + self.refused

    @property
    def refusals_per_1000(self) -> float | None:
        return per_thousand(self.refusals, self.entries)

    @property
    def complaints_per_1000(self) -> float | None:
        return per_thousand(self.complaints, self.entries)


def _counts(scope: Scope, *keys) -> list:
    return db.session.execute(
        select(
            *keys,
            func.count(),
            func.sum(case((Arrival.outcome == "admitted", 1), else_=0)),
            func.sum(case((Arrival.outcome == "denied", 1), else_=0)),
            func.sum(case((Arrival.outcome == "refused", 1), else_=0)),
        )
        .where(*scope_filters(Arrival, scope))
        .group_by(*keys)
    ).all()


def _merge(arrivals: list, complaints: list, width: int) -> dict[tuple, Row]:
    rows: dict[tuple, Row] = {}
    for record in arrivals:
        key = tuple(v or "" for v in record[:width])
        row = rows.setdefault(key, Row(key))
        scans, entries, denied, refused = record[width:]
        row.scans += scans
        row.entries += int(entries or 0)
        row.denied += int(denied or 0)
        row.refused += int(refused or 0)
    for record in complaints:
        key = tuple(v or "" for v in record[:width])
        rows.setdefault(key, Row(key)).complaints += record[width]
    return rows


def _fine(scope: Scope) -> dict[tuple, Row]:
    """Rows per (week, platform, station, team): one pass over the arrivals and complaints."""
    week_a, week_c = local_week(Arrival.created_at), local_week(Complaint.created_at)
    keys_c = (week_c, Complaint.platform_name, Complaint.station, Complaint.team)
    complaints = db.session.execute(
        select(*keys_c, func.count()).where(*scope_filters(Complaint, scope)).group_by(*keys_c)
    ).all()
    arrivals = _counts(scope, week_a, Arrival.platform_name, Arrival.station, Arrival.team)
    return _merge(
        [(str(w)[:10], *rest) for w, *rest in arrivals],
        [(str(w)[:10], *rest) for w, *rest in complaints],
        4,
    )


def _roll_up(rows, key) -> list[Row]:
    """Sum rows into coarser groups: key(row.key) -> the group's key."""
    groups: dict[tuple, Row] = {}
    for fine in rows:
        row = groups.setdefault(key(fine.key), Row(key(fine.key)))
        row.scans += fine.scans
        row.entries += fine.entries
        row.denied += fine.denied
        row.refused += fine.refused
        row.complaints += fine.complaints
    return list(groups.values())


def _ranked(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.entries, -r.complaints, r.key))


def by_team(fine: list[Row]) -> list[Row]:
    """Rows per (platform, station, team), most entries first."""
    return _ranked(_roll_up(fine, lambda k: k[1:]))


def by_platform(fine: list[Row]) -> list[Row]:
    """Rows per platform, most entries first."""
    return _ranked(_roll_up(fine, lambda k: k[1:2]))


def weeks(fine: list[Row]) -> list[Row]:
    """Rows per week (key: its Monday, YYYY-MM-DD), oldest first."""
    return sorted(_roll_up(fine, lambda k: k[:1]), key=lambda r: r.key)


def nearest_rank(values: list[float], p: float) -> float | None:
    """The value at rank ceil(p * n) of the sorted values (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p * len(ordered))) - 1]


@dataclass
class ComplaintTimes:
    """How fast the city answers and resolves the area's complaints (hours)."""

    filed: int = 0
    answered: int = 0
    resolved: int = 0
    response_median: float | None = None
    response_p90: float | None = None
    resolution_median: float | None = None
    resolution_p90: float | None = None
    open: int = 0
    overdue_answer: int = 0
    overdue_resolve: int = 0


def _hours(values: list[float], p: float) -> float | None:
    found = nearest_rank(values, p)
    return None if found is None else round(found / 3600.0, 1)


def complaint_times(scope: Scope, now: datetime | None = None) -> ComplaintTimes:
    """Response and resolution times of the complaints filed in the period, and the overdue."""
    now = now or utcnow()
    rows = db.session.execute(
        select(
            Complaint.created_at,
            Complaint.answered_at,
            Complaint.closed_at,
            Complaint.status,
            overdue_condition(Complaint, now, "answer"),
            overdue_condition(Complaint, now, "resolve"),
        ).where(*scope_filters(Complaint, scope))
    ).all()
    response = [(a - c).total_seconds() for c, a, _z, _s, _o1, _o2 in rows if a is not None]
    resolution = [(z - c).total_seconds() for c, _a, z, _s, _o1, _o2 in rows if z is not None]
    return ComplaintTimes(
        filed=len(rows),
        answered=len(response),
        resolved=len(resolution),
        response_median=_hours(response, 0.5),
        response_p90=_hours(response, 0.9),
        resolution_median=_hours(resolution, 0.5),
        resolution_p90=_hours(resolution, 0.9),
        open=sum(
            1 for r in rows if r[2] is None and r[3] in ("received", "forwarded", "investigating")
        ),
        overdue_answer=sum(1 for r in rows if r[4]),
        overdue_resolve=sum(1 for r in rows if r[5]),
    )


def overdue(scope: Scope, now: datetime | None = None, limit: int = OVERDUE_SHOWN) -> list[dict]:
    """Open complaints past a deadline in the area's compounds (any filing time), oldest first."""
    now = now or utcnow()
    area = Scope(
        datetime(2000, 1, 1), now + timedelta(days=1), scope.compound_ids, None, scope.tenant_ids
    )
    rows = db.session.execute(
        select(
            Complaint.id,
            Complaint.tenant_id,
            Complaint.compound_id,
            Complaint.created_at,
            Complaint.rider_code,
            Complaint.category,
            Complaint.status,
            Complaint.platform_name,
            Complaint.answered_at,
            Complaint.answer_due_at,
            Complaint.resolve_due_at,
        )
        .where(*scope_filters(Complaint, area), overdue_condition(Complaint, now))
        .order_by(Complaint.created_at, Complaint.id)
        .limit(limit)
    ).all()
    found = []
    for row in rows:
        item = row._asdict()
        item["kinds"] = ("answer",) if row.answered_at is None and row.answer_due_at <= now else ()
        if row.resolve_due_at <= now:
            item["kinds"] += ("resolve",)
        found.append(item)
    return found


def repeated_riders(scope: Scope, limit: int = RIDERS_SHOWN) -> list[dict]:
    """Rider codes with REPEAT or more complaints in the period: codes and counts, no names."""
    rows = db.session.execute(
        select(
            Complaint.rider_code,
            func.count().label("complaints"),
            func.count(func.distinct(Complaint.compound_id)).label("compounds"),
            func.count(func.distinct(Complaint.category)).label("categories"),
            func.max(Complaint.created_at).label("latest"),
        )
        .where(*scope_filters(Complaint, scope))
        .group_by(Complaint.rider_code)
        .having(func.count() >= REPEAT)
        .order_by(func.count().desc(), Complaint.rider_code)
        .limit(limit)
    ).all()
    return [row._asdict() for row in rows]


@dataclass
class RankedCompound:
    """A compound's place by time-to-decision (slowest first)."""

    rank: int
    compound_id: int
    decisions: int
    median: float | None
    p90: float | None


def compounds_by_decision_time(scope: Scope) -> list[RankedCompound]:
    """Compounds with decisions in the period, slowest median first (ties: slower p90, id)."""
    times = decision_times_by_compound(scope)
    ordered = sorted(times.items(), key=lambda kv: (-(kv[1].median or 0), -(kv[1].p90 or 0), kv[0]))
    return [
        RankedCompound(n, cid, t.count, t.median, t.p90)
        for n, (cid, t) in enumerate(ordered, start=1)
    ]


@dataclass
class Industry:
    """Everything the regulator's page shows."""

    platforms: list[Row]
    teams: list[Row]
    times: ComplaintTimes
    overdue: list[dict]
    riders: list[dict]
    compounds: list[RankedCompound]
    weeks: list[Row] = field(default_factory=list)


def industry(scope: Scope, now: datetime | None = None) -> Industry:
    """Every table of the regulator's page for one scope."""
    fine = list(_fine(scope).values())
    return Industry(
        platforms=by_platform(fine),
        teams=by_team(fine),
        times=complaint_times(scope, now),
        overdue=overdue(scope, now),
        riders=repeated_riders(scope),
        compounds=compounds_by_decision_time(scope),
        weeks=weeks(fine),
    )


def local_time(value: datetime | None) -> str:
    """A stored UTC time as Beijing wall-clock text (for tables and CSV)."""
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M") if local else ""
