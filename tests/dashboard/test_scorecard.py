"""小哥友好社区: the scorecard's measures, points and ranking on known data."""

import re

import pytest

from tenants import unscoped
from tests.dashboard import data, industry_data
from tests.dashboard.industry_data import COUNTY, PERIOD, day
from tests.dashboard.known import BAOSHI, BEISHAN
from tests.dashboard.test_industry import signed_in
from xgm.oversight.scorecard import Measures, measures, points, score, trend
from xgm.reporting.figures import Scope
from xgm.reporting.periods import period_from_args


@pytest.fixture
def w(app):
    world = industry_data.build(app)
    with app.app_context():  # 甲三 (tenant B) in 宝石社区 too: two quick entries
        cid = data.compound(world.b, "甲三", BAOSHI)
        gid = data.gate(world.b, cid)
        data.arrival(world.b, cid, gid, day(10), wait=15)
        data.arrival(world.b, cid, gid, day(10), wait=15)
        world.compounds["甲三"] = cid
    return world


def scope(w):
    period = period_from_args(PERIOD)
    ids = tuple(w.compounds[n] for n in ("甲一", "乙二", "甲三"))
    return period, Scope(period.start, period.end, ids, None, (w.a, w.b))


def test_measures_of_each_compound(app, w):
    """甲一: 5 scans, 2 refusals, 1 of 4 attended unattended (decided after 100 s), 2
    complaints, 1 of 2 gates used, median 20 s; 乙二: the expired arrival is unattended."""
    _period, s = scope(w)
    with app.app_context(), unscoped():
        found = measures(s)
    j, y = found[w.compounds["甲一"]], found[w.compounds["乙二"]]
    assert (j.scans, j.entries, j.refusals, j.attended, j.unattended) == (5, 3, 2, 4, 1)
    assert (j.complaints, j.gates, j.gates_with_entries, j.median_decision) == (2, 2, 1, 20.0)
    assert (y.scans, y.entries, y.refusals, y.attended, y.unattended) == (3, 2, 0, 3, 1)
    assert (y.complaints, y.gates, y.gates_with_entries, y.median_decision) == (1, 1, 1, 5.0)


def test_points_and_score(app, w):
    """甲一 = 0.30 x 95.24 + 0.15 x 50 = 36.1; 乙二 = 30 + 15 + 15 = 60.0; 甲三 = 100.0."""
    _period, s = scope(w)
    with app.app_context(), unscoped():
        found = measures(s)
    j = points(found[w.compounds["甲一"]])
    assert {k: round(v, 2) for k, v in j.items()} == {
        "decision": 95.24,
        "unattended": 0.0,
        "refusal": 0.0,
        "complaints": 0.0,
        "availability": 50.0,
    }
    assert [score(found[w.compounds[n]]) for n in ("甲一", "乙二", "甲三")] == [36.1, 60.0, 100.0]
    assert score(Measures()) is None  # no scans, no score


def test_trend_per_week(app, w):
    """甲一's last two 7-day windows: 56.1 (May 1-7) and 28.2 (May 8-14); nothing before."""
    period, s = scope(w)
    with app.app_context(), unscoped():
        series = trend(s, period.end)
    assert series[w.compounds["甲一"]] == [None] * 6 + [56.1, 28.2]


def test_the_page_ranks_compounds_and_communities(app, w):
    """The county regulator sees 甲三 > 乙二 > 甲一 and 曙光社区 (60.0) > 宝石社区 (54.4),
    with the formula; 外县 (桐庐县) is not there."""
    html = signed_in(app, COUNTY).get("/oversight/scorecard", query_string=PERIOD)
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    compounds = text[text.index('id="compounds"') :]
    names = re.findall(r"<td class=\"nowrap\">(甲一|乙二|甲三|外县)</td>", compounds)
    assert names == ["甲三", "乙二", "甲一"]
    scores = re.findall(r'class="num score"[^>]*>([^<]+)</td>', compounds)
    assert scores == ["100.0", "60.0", "36.1"]
    communities = text[text.index('id="communities"') : text.index('id="compounds"')]
    assert re.findall(r"<td>([^<>]+社区)</td>.*?score\">([^<]+)</td>", communities, re.S) == [
        ("曙光社区", "60.0"),
        ("宝石社区", "54.4"),
    ]
    assert "0.3 × 决定用时分" in text and "外县" not in text
    assert f'data-compound="{w.compounds["甲一"]}"' in compounds
    assert 'data-scores="None,None,None,None,None,None,56.1,28.2"' in compounds


def test_a_street_official_sees_only_their_street(app, w):
    """北山街道's observer ranks 甲三 and 甲一 only."""
    html = signed_in(app, BEISHAN, role="observer").get("/oversight/scorecard", query_string=PERIOD)
    compounds = html.get_data(as_text=True).split('id="compounds"')[1]
    assert re.findall(r"<td class=\"nowrap\">(甲一|乙二|甲三)</td>", compounds) == ["甲三", "甲一"]


@pytest.mark.parametrize("path", ["/oversight/scorecard", "/oversight/industry"])
def test_officials_pages_are_read_only_and_for_observers_only(app, w, path):
    """The only form is sign-out; anonymous visitors go to /login; office users get 403."""
    from tests.conftest import login
    from tests.factories import PASSWORD, create_user
    from xgm.extensions import db

    html = signed_in(app, COUNTY).get(path, query_string=PERIOD).get_data(as_text=True)
    assert re.findall(r'<form[^>]*action="([^"]+)"', html) == ["/logout"]
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    with app.app_context():
        from tenants import Tenant

        create_user(db.session.get(Tenant, w.a), "owner", email="owner@example.com")
    office = app.test_client()
    login(office, "owner@example.com", PASSWORD)
    assert office.get(path).status_code == 403
