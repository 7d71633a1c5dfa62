"""The regulator's end (/oversight/industry and its CSV): exact figures on known data."""

import csv
import io
import re

import pytest

from tenants import unscoped
from tests.conftest import login
from tests.dashboard import industry_data
from tests.dashboard.industry_data import COUNTY, PERIOD
from tests.dashboard.known import BEISHAN
from tests.factories import PASSWORD, create_observer
from xgm.oversight.industry import industry
from xgm.reporting.figures import Scope
from xgm.reporting.periods import period_from_args


@pytest.fixture
def w(app):
    return industry_data.build(app)


def signed_in(app, division, role="regulator", email=None):
    email = email or f"{division}-{role}@gov.example"
    with app.app_context():
        create_observer(division, email=email, role=role)
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


def figures_of(app, w):
    period = period_from_args(PERIOD)
    ids = (w.compounds["甲一"], w.compounds["乙二"])
    with app.app_context(), unscoped():
        return industry(Scope(period.start, period.end, ids, None, (w.a, w.b)))


def test_per_platform_and_team(app, w):
    """Entries, refusals and complaints per 1,000 entries by platform and by station/team."""
    data = figures_of(app, w)
    rows = [
        (
            r.key,
            r.scans,
            r.entries,
            r.denied,
            r.refused,
            r.complaints,
            r.refusals_per_1000,
            r.complaints_per_1000,
        )
        for r in data.platforms
    ]
    assert rows == [
        (("美团",), 5, 3, 1, 0, 2, 333.3, 666.7),
        (("饿了么",), 3, 2, 0, 1, 1, 500.0, 500.0),
    ]
    teams = [(r.key, r.scans, r.entries, r.complaints, r.complaints_per_1000) for r in data.teams]
    assert teams == [
        (("美团", "西湖站", "一队"), 4, 3, 2, 666.7),
        (("饿了么", "北山站", "三队"), 3, 2, 1, 500.0),
        (("美团", "西湖站", "二队"), 1, 0, 0, None),
    ]


def test_complaint_times_and_overdue(app, w):
    """Answered after 2 h and 4 h, resolved after 30 h; 2 open; c3 overdue twice, c1 once;
    the overdue list also has c5 (filed before the period), never 外县's c4."""
    t = figures_of(app, w).times
    assert (t.filed, t.answered, t.resolved, t.open) == (3, 2, 1, 2)
    assert (t.response_median, t.response_p90) == (2.0, 4.0)
    assert (t.resolution_median, t.resolution_p90) == (30.0, 30.0)
    assert (t.overdue_answer, t.overdue_resolve) == (1, 2)
    overdue = figures_of(app, w).overdue
    assert [(o["id"], o["kinds"]) for o in overdue] == [
        (w.complaints["c5"], ("resolve",)),
        (w.complaints["c1"], ("resolve",)),
        (w.complaints["c3"], ("answer", "resolve")),
    ]


def test_repeated_riders_ranked_compounds_and_weeks(app, w):
    """R1 twice in the period (codes only); 甲一 slowest (median 20 s, p90 100 s); two weeks."""
    data = figures_of(app, w)
    assert [(r["rider_code"], r["complaints"], r["compounds"]) for r in data.riders] == [
        ("R1", 2, 1)
    ]
    assert [(c.rank, c.compound_id, c.decisions, c.median, c.p90) for c in data.compounds] == [
        (1, w.compounds["甲一"], 4, 20.0, 100.0),
        (2, w.compounds["乙二"], 2, 5.0, 40.0),
    ]
    weeks = [
        (r.key, r.scans, r.entries, r.refusals, r.complaints, r.complaints_per_1000)
        for r in data.weeks
    ]
    assert weeks == [
        (("2024-04-29",), 3, 2, 1, 1, 500.0),
        (("2024-05-06",), 5, 3, 1, 2, 666.7),
    ]


def test_county_regulator_page(app, w):
    """The county regulator's page shows its two compounds' tables, not 外县."""
    html = signed_in(app, COUNTY).get("/oversight/industry", query_string=PERIOD)
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    for title in (
        "按配送平台",
        "按站点 / 队伍",
        "投诉答复与办结",
        "超时投诉",
        "多次被投诉的骑手编码",
        "小区决定用时排名（最慢在前）",
        "每周趋势",
    ):
        assert title in text
    assert "外县" not in text and "<code>R1</code>" in text
    assert "李骑手" not in text and "13700001111" not in text  # codes only
    assert re.findall(r'<form[^>]*action="([^"]+)"', text) == ["/logout"]


def test_csv_of_each_table(app, w):
    """Each table as CSV (UTF-8 with BOM); the platform table has the page's numbers."""
    client = signed_in(app, COUNTY)
    response = client.get("/oversight/industry.csv", query_string={**PERIOD, "table": "platforms"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:])))
    assert rows == [
        [
            "配送平台",
            "扫码",
            "进入",
            "门卫拒绝",
            "规则拦截",
            "投诉",
            "每千次进入拒绝",
            "每千次进入投诉",
        ],
        ["美团", "5", "3", "1", "0", "2", "333.3", "666.7"],
        ["饿了么", "3", "2", "0", "1", "1", "500.0", "500.0"],
    ]
    for table, lines in (
        ("teams", 4),
        ("complaint_times", 11),
        ("overdue", 4),
        ("riders", 2),
        ("compounds", 3),
        ("weeks", 3),
    ):
        got = client.get("/oversight/industry.csv", query_string={**PERIOD, "table": table})
        assert got.status_code == 200, table
        assert len(list(csv.reader(io.StringIO(got.data.decode("utf-8")[1:])))) == lines, table
    bad = client.get("/oversight/industry.csv", query_string={"table": "nope"})
    assert bad.status_code == 400 and "请选择要导出的表格" in bad.get_data(as_text=True)


def test_only_county_or_city_regulators(app, w):
    """A street regulator and a county observer get 403; a bad period is 400."""
    assert signed_in(app, BEISHAN).get("/oversight/industry").status_code == 403
    observer = signed_in(app, COUNTY, role="observer")
    assert observer.get("/oversight/industry").status_code == 403
    assert observer.get("/oversight/industry.csv?table=platforms").status_code == 403
    regulator = signed_in(app, "330100", email="city@gov.example")
    assert regulator.get("/oversight/industry").status_code == 200
    bad = regulator.get("/oversight/industry", query_string={"period": "custom", "from": "x"})
    assert bad.status_code == 400


def test_overdue_complaints_are_flagged_for_area_observers(app, w):
    """A street observer of 北山街道 sees c1 (甲一, overdue) flagged 已超时 on /oversight."""
    html = signed_in(app, BEISHAN, role="observer").get("/oversight", query_string=PERIOD)
    text = html.get_data(as_text=True)
    table = text[text.index("投诉记录") :]
    assert table.count("已超时") == 1  # c1 open past its resolution; c2 resolved
    assert "辖区内 1 件投诉城市平台超时未处理" in text  # 北山街道: 甲一's c1 only


def test_long_tables_are_cut_on_the_page_not_in_the_csv(app, w, monkeypatch):
    """With a page limit of 1 row, the page shows 1 platform and says so; the CSV has both."""
    from xgm.oversight import industry_views

    monkeypatch.setattr(industry_views, "PAGE_ROWS", 1)
    client = signed_in(app, COUNTY)
    text = client.get("/oversight/industry", query_string=PERIOD).get_data(as_text=True)
    platforms = text[text.index('id="table-platforms"') : text.index('id="table-teams"')]
    assert platforms.count("<tr><td") == 1 and "页面显示前 1 行" in platforms
    body = client.get("/oversight/industry.csv", query_string={**PERIOD, "table": "platforms"})
    assert body.data.decode("utf-8").count("\r\n") == 3
