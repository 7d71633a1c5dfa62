"""小哥友好社区: a score per compound and per community for how well riders are received.

Five measures over a period, each turned into 0-100 points, then weighted (FORMULA, shown on
the page):

- decision time: the median seconds from scan to the guard's decision (admitted or denied);
  100 points at <= 15 s, 0 at >= 120 s, linear between; 0 when no guard decided anything.
- unattended share (`unattended`): of the arrivals a guard had to attend (every arrival but
  those the rules refused), the share still without a decision UNATTENDED_AFTER (90 s) after
  the scan; 100 points at 0 %, 0 at >= 20 %.
- refusal share: (denied by guards + refused by the rules) / scans; 100 at 0 %, 0 at >= 20 %.
- complaint rate: complaints per 1,000 entries; 100 at 0, 0 at >= 10 (no entries: 0 points
  if there were complaints, else 100).
- entry availability: the share of the compound's active gates that admitted at least one
  rider in the period; 100 points at 100 %.

score = 0.30 decision + 0.20 unattended + 0.15 refusal + 0.20 complaints + 0.15 availability,
one decimal; no score for a compound without scans. A community's score is the mean of its
compounds' scores weighted by their scans (compounds placed on a street without a community
are grouped under that street).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select

from tenants import utcnow
from xgm.complaints.models import Complaint
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.reporting.figures import Scope, decision_times_by_compound, per_thousand, scope_filters
from xgm.reporting.sqltime import seconds_between

#: An arrival still without a decision this many seconds after the scan is unattended.
UNATTENDED_AFTER = 90
WEIGHTS = {
    "decision": 0.30,
    "unattended": 0.20,
    "refusal": 0.15,
    "complaints": 0.20,
    "availability": 0.15,
}
FAST, SLOW = 15.0, 120.0
MAX_UNATTENDED, MAX_REFUSAL, MAX_COMPLAINTS = 0.20, 0.20, 10.0
TREND_WEEKS = 8


def unattended(now: datetime):
    """SQL: the arrival is unattended (THE definition; issue 12's marker may replace it).

    Not refused by the rules, scanned at least UNATTENDED_AFTER s before `now`, and no guard
    decision within UNATTENDED_AFTER s of the scan (none at all, or a later one).
    """
    return and_(
        Arrival.outcome != "refused",
        Arrival.created_at <= now - timedelta(seconds=UNATTENDED_AFTER),
        or_(
            Arrival.decided_at.is_(None),
            seconds_between(Arrival.created_at, Arrival.decided_at) > UNATTENDED_AFTER,
        ),
    )


@dataclass
class Measures:
    """The raw measures of one compound over a period."""

    scans: int = 0
    entries: int = 0
    refusals: int = 0
    attended: int = 0
    unattended: int = 0
    complaints: int = 0
    gates: int = 0
    gates_with_entries: int = 0
    median_decision: float | None = None

    @property
    def unattended_share(self) -> float | None:
        return self.unattended / self.attended if self.attended else None

    @property
    def refusal_share(self) -> float | None:
        return self.refusals / self.scans if self.scans else None

    @property
    def complaint_rate(self) -> float | None:
        return per_thousand(self.complaints, self.entries)

    @property
    def availability(self) -> float | None:
        return self.gates_with_entries / self.gates if self.gates else None


def _linear(value: float, best: float, worst: float) -> float:
    """100 at `best` (or better), 0 at `worst` (or worse), linear between."""
    if worst == best:
        return 100.0
    share = (worst - value) / (worst - best)
    return 100.0 * min(1.0, max(0.0, share))


def points(m: Measures) -> dict[str, float] | None:
    """The five measures as 0-100 points; None without scans."""
    if not m.scans:
        return None
    decision = 0.0 if m.median_decision is None else _linear(m.median_decision, FAST, SLOW)
    unattended_pts = _linear(m.unattended_share or 0.0, 0.0, MAX_UNATTENDED)
    refusal = _linear(m.refusal_share or 0.0, 0.0, MAX_REFUSAL)
    if m.entries:
        complaints = _linear(m.complaint_rate or 0.0, 0.0, MAX_COMPLAINTS)
    else:
        complaints = 0.0 if m.complaints else 100.0
    availability = 100.0 * (m.availability or 0.0)
    return {
        "decision": decision,
        "unattended": unattended_pts,
        "refusal": refusal,
        "complaints": complaints,
        "availability": availability,
    }


def score(m: Measures) -> float | None:
    """The weighted score (0-100, one decimal); None without scans."""
    pts = points(m)
    if pts is None:
        return None
    return round(sum(WEIGHTS[k] * v for k, v in pts.items()), 1)


def measures(scope: Scope, now: datetime | None = None) -> dict[int, Measures]:
    """Measures per compound of the scope (every compound named in it, even without scans)."""
    now = now or utcnow()
    found = {cid: Measures() for cid in scope.compound_ids or ()}
    rows = db.session.execute(
        select(
            Arrival.compound_id,
            func.count(),
            func.sum(case((Arrival.outcome == "admitted", 1), else_=0)),
            func.sum(case((Arrival.outcome.in_(("denied", "refused")), 1), else_=0)),
            func.sum(case((Arrival.outcome != "refused", 1), else_=0)),
            func.sum(case((unattended(now), 1), else_=0)),
            func.count(func.distinct(case((Arrival.outcome == "admitted", Arrival.gate_id)))),
        )
        .where(*scope_filters(Arrival, scope))
        .group_by(Arrival.compound_id)
    ).all()
    for cid, scans, entries, refusals, attended, unattended_n, gates_in in rows:
        m = found.setdefault(cid, Measures())
        m.scans, m.entries, m.refusals = scans, int(entries or 0), int(refusals or 0)
        m.attended, m.unattended = int(attended or 0), int(unattended_n or 0)
        m.gates_with_entries = int(gates_in or 0)
    complaints = db.session.execute(
        select(Complaint.compound_id, func.count())
        .where(*scope_filters(Complaint, scope))
        .group_by(Complaint.compound_id)
    ).all()
    for cid, n in complaints:
        found.setdefault(cid, Measures()).complaints = n
    gate_conds = [Gate.active.is_(True)]
    if scope.tenant_ids is not None:
        gate_conds.append(Gate.tenant_id.in_(scope.tenant_ids))
    if scope.compound_ids is not None:
        gate_conds.append(Gate.compound_id.in_(scope.compound_ids))
    for cid, n in db.session.execute(
        select(Gate.compound_id, func.count()).where(*gate_conds).group_by(Gate.compound_id)
    ).all():
        found.setdefault(cid, Measures()).gates = n
    for cid, times in decision_times_by_compound(scope).items():
        found.setdefault(cid, Measures()).median_decision = times.median
    for m in found.values():  # a gate that admitted someone counts even if deactivated since
        m.gates = max(m.gates, m.gates_with_entries)
    return found


def weighted_score(parts: list[tuple[float | None, int]]) -> float | None:
    """The scans-weighted mean of (score, scans) pairs; None when none has a score."""
    scored = [(s, n) for s, n in parts if s is not None and n]
    total = sum(n for _s, n in scored)
    if not total:
        return None
    return round(sum(s * n for s, n in scored) / total, 1)


def trend(scope: Scope, today_end: datetime, weeks: int = TREND_WEEKS, now=None) -> dict[int, list]:
    """Each compound's score per 7-day window, oldest first, the last ending at `today_end`."""
    series: dict[int, list] = {cid: [] for cid in scope.compound_ids or ()}
    for n in range(weeks, 0, -1):
        end = today_end - timedelta(days=7 * (n - 1))
        window = Scope(end - timedelta(days=7), end, scope.compound_ids, None, scope.tenant_ids)
        for cid, m in measures(window, now).items():
            series.setdefault(cid, []).append(score(m))
    return series
