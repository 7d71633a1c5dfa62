"""Each dashboard figure on the known data set, with exact numbers."""

from datetime import date, datetime

import pytest

from tenants import tenant_context, unscoped
from tests.dashboard import known
from xgm.reporting import figures
from xgm.reporting.figures import DecisionTimes, Scope
from xgm.reporting.periods import Period

PERIOD = Period("custom", date(2024, 5, 1), date(2024, 5, 7))


@pytest.fixture
def k(app):
    """The known data set, and an app context acting for tenant A."""
    built = known.build(app)
    with app.app_context(), tenant_context(built.a):
        yield built


def _scope(**kw) -> Scope:
    return Scope(PERIOD.start, PERIOD.end, **kw)


def test_period_is_whole_beijing_days_in_utc():
    """2024-05-01..07 Beijing = [04-30 16:00, 05-07 16:00) UTC."""
    assert (PERIOD.start, PERIOD.end) == (datetime(2024, 4, 30, 16), datetime(2024, 5, 7, 16))


def test_outcome_counts(k):
    """Admitted 8, denied 1, refused 1, expired 1, pending 0 (edges of the period excluded)."""
    assert figures.outcome_counts(_scope()) == {
        "pending": 0,
        "admitted": 8,
        "denied": 1,
        "refused": 1,
        "expired": 1,
    }


def test_entries_per_hour_in_beijing_time(k):
    """Admitted arrivals per local hour: 8h 3, 9h 1, 18h 1, 20h 1, 23h 1, 0h 1."""
    expected = [0] * 24
    expected[8], expected[9], expected[18], expected[20], expected[23], expected[0] = (
        3,
        1,
        1,
        1,
        1,
        1,
    )
    assert figures.entries_by_hour(_scope()) == expected


def test_decision_times_median_and_p90(k):
    """Nine decisions (5,10,15,20,30,40,50,60,100 s): median 30 s, p90 100 s."""
    assert figures.decision_times(_scope()) == DecisionTimes(9, 30.0, 100.0)


def test_decision_times_of_one_compound_and_one_gate(k):
    """一号院: six decisions, median 30, p90 100; 2号门 alone: one decision of 100 s."""
    c1 = k.compounds["一号院"]
    assert figures.decision_times(_scope(compound_ids=(c1,))) == DecisionTimes(6, 30.0, 100.0)
    assert figures.decision_times(_scope(gate_id=k.gates[2])) == DecisionTimes(1, 100.0, 100.0)


def test_decision_times_empty(k):
    """No decisions: count 0 and no median or p90."""
    assert figures.decision_times(_scope(gate_id=k.gates[4])) == DecisionTimes(0, None, None)


def test_reasons_of_denials_and_refusals(k):
    """One denial (未戴头盔) and one refusal (suspended)."""
    assert figures.reasons(_scope()) == [("denied", "未戴头盔", 1), ("refused", "suspended", 1)]


def test_platform_share(k):
    """美团 8 of 11 scans (72.7 %), 饿了么 2 (18.2 %), 达达 1 (9.1 %)."""
    assert figures.platform_share(_scope()) == [
        ("美团", 8, 72.7),
        ("饿了么", 2, 18.2),
        ("达达", 1, 9.1),
    ]


def test_complaints_by_status_and_per_thousand(k):
    """Three complaints in the period (received, resolved, queued): 375.0 per 1,000 entries."""
    counts = figures.complaint_counts(_scope())
    assert {s: n for s, n in counts.items() if n} == {"received": 1, "resolved": 1, "queued": 1}
    assert sum(counts.values()) == 3
    assert figures.per_thousand(3, 8) == 375.0
    assert figures.per_thousand(1, 0) is None


def test_idle_gates(k):
    """4号门 (never scanned), 5号门 (last scan 04-20) and the new 6号门 are idle; not the others."""
    idle = figures.idle_gates(_scope(), now=known.NOW)
    assert [(g["compound"], g["gate"], g["last_scan"], g["new"]) for g in idle] == [
        ("二号院", "4号门", None, False),
        ("二号院", "5号门", known.local(20, 9, month=4), False),
        ("二号院", "6号门", None, True),
    ]


def test_idle_gates_in_natural_order(k):
    """Gate names sort as people read them: 2号门 before 10号门."""
    from xgm.compounds.ordering import natural_key

    names = ["10号门", "2号门", "东门", "1号门"]
    assert sorted(names, key=natural_key) == ["1号门", "2号门", "10号门", "东门"]


def test_dashboard_bundles_every_figure(k):
    """dashboard(): scans 11, entries 8, 3 complaints, 375.0 per 1,000."""
    fig = figures.dashboard(_scope(), now=known.NOW)
    assert (fig.scans, fig.entries, fig.complaints_total, fig.complaints_per_1000) == (
        11,
        8,
        3,
        375.0,
    )
    assert fig.times == DecisionTimes(9, 30.0, 100.0)
    assert len(fig.idle_gates) == 3


def test_figures_of_a_tenant_never_include_another_tenants_rows(k):
    """Tenant B's arrivals at a compound of the same street do not count for tenant A."""
    assert figures.outcome_counts(_scope())["admitted"] == 8
    with tenant_context(k.b):
        assert figures.outcome_counts(_scope()) == {
            "pending": 0,
            "admitted": 2,
            "denied": 1,
            "refused": 0,
            "expired": 0,
        }


def test_per_compound_rows(k):
    """一号院: 8 scans, 5 entries, 1 denied, 1 refused, 2 complaints; 二号院: 3, 3, 0, 0, 1."""
    rows = figures.per_compound(_scope())
    c1, c2 = k.compounds["一号院"], k.compounds["二号院"]
    assert set(rows) == {c1, c2}
    r1, r2 = rows[c1], rows[c2]
    assert (r1.scans, r1.entries, r1.denied, r1.refused, r1.complaints) == (8, 5, 1, 1, 2)
    assert r1.times == DecisionTimes(6, 30.0, 100.0)
    assert (r2.scans, r2.entries, r2.denied, r2.refused, r2.complaints) == (3, 3, 0, 0, 1)
    assert r2.times == DecisionTimes(3, 15.0, 60.0)
    assert r2.complaints_per_1000 == 333.3


def test_cross_tenant_scope_adds_up_the_named_compounds(k):
    """Inside unscoped(), a scope of 一号院 + 乙院 (two tenants) counts exactly their rows."""
    ids = (k.compounds["一号院"], k.compounds["乙院"])
    scope = _scope(compound_ids=ids, tenant_ids=(k.a, k.b))
    with unscoped():
        counts = figures.outcome_counts(scope)
        times = figures.decision_times(scope)
        complaints = figures.complaint_counts(scope)
    assert (counts["admitted"], counts["denied"], counts["refused"]) == (6, 2, 1)
    # 10, 12, 20, 24, 30, 40, 50, 100: median rank 4 -> 24; p90 rank 8 -> 100.
    assert times == DecisionTimes(8, 24.0, 100.0)
    assert sum(complaints.values()) == 3
