"""/oversight: an observer sees exactly their division's compounds across tenants, read-only."""

import re

import pytest

from tests.conftest import login
from tests.dashboard import data, known
from tests.factories import PASSWORD, create_observer

PERIOD = {"period": "custom", "from": "2024-05-01", "to": "2024-05-07"}
KPI = re.compile(r'kpi-label">([^<]+)</span><strong class="kpi-value">([^<]+)</strong>')
COMPOUND_LINK = re.compile(r'<td><a href="/oversight\?compound=\d+[^"]*">([^<]+)</a></td>')


@pytest.fixture
def k(app):
    """The known data set."""
    return known.build(app)


def _observer(app, division_code):
    with app.app_context():
        create_observer(division_code, email=f"{division_code}@gov.example")
    client = app.test_client()
    assert login(client, f"{division_code}@gov.example", PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize(
    ("division", "expected"),
    [
        (known.BEISHAN, ["一号院", "乙院", "二号院"]),
        (known.BAOSHI, ["一号院", "乙院"]),
        (known.XIHU, ["一号院", "乙院", "二号院", "灵隐院", "西溪院"]),
        ("330100", ["一号院", "乙院", "二号院", "灵隐院", "西溪院"]),  # 杭州市
        (known.LINGYIN, ["灵隐院"]),
        ("330106002051", []),  # 上保社区: no compound
        ("330122", []),  # 桐庐县
    ],
)
def test_observer_sees_exactly_the_compounds_of_their_division(app, k, division, expected):
    """Compounds are matched by division code (city, county, street, community), across
    every tenant."""
    html = _observer(app, division).get("/oversight", query_string=PERIOD).get_data(as_text=True)
    assert sorted(COMPOUND_LINK.findall(html)) == sorted(expected)


def test_street_figures_add_up_both_tenants(app, k):
    """北山街道: 一号院 + 二号院 (tenant A) + 乙院 (tenant B): 13 scans, 9 entries, 4 complaints."""
    html = (
        _observer(app, known.BEISHAN).get("/oversight", query_string=PERIOD).get_data(as_text=True)
    )
    kpis = dict(KPI.findall(html))
    assert (kpis["扫码"], kpis["进入"], kpis["投诉"]) == ("13", "9", "4")
    # 5,10,12,15,20,24,30,40,50,60,100: median rank 6 -> 24 s; p90 rank 10 -> 60 s.
    assert (kpis["等待中位数"], kpis["等待 P90"]) == ("24 秒", "1 分 00 秒")


def test_one_compound_of_the_area(app, k):
    """?compound= shows that compound alone; 乙院: 2 scans, 1 entry, 1 complaint."""
    client = _observer(app, known.BEISHAN)
    html = client.get(
        "/oversight", query_string={**PERIOD, "compound": k.compounds["乙院"]}
    ).get_data(as_text=True)
    kpis = dict(KPI.findall(html))
    assert (kpis["扫码"], kpis["进入"], kpis["投诉"]) == ("2", "1", "1")
    assert COMPOUND_LINK.findall(html) == ["乙院"]


def test_a_compound_outside_the_area_is_404(app, k):
    """A street observer asking for another street's compound gets 404."""
    client = _observer(app, known.BEISHAN)
    for compound in (k.compounds["西溪院"], "abc", "99999"):
        assert client.get("/oversight", query_string={"compound": compound}).status_code == 404


def test_complaints_are_listed_with_status_and_rider_code(app, k):
    """The area's complaints of the period, newest first, with status and rider code only."""
    html = (
        _observer(app, known.BEISHAN).get("/oversight", query_string=PERIOD).get_data(as_text=True)
    )
    table = html[html.index("投诉记录") :]
    rows = re.findall(
        r"<tr>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>\s*<td><code>([^<]+)</code>", table
    )
    assert rows == [
        ("2024-05-05 09:00", "二号院", "XGM330100000001"),
        ("2024-05-04 10:05", "乙院", "XGMB2"),
        ("2024-05-03 12:30", "一号院", "XGM330100000001"),
        ("2024-05-02 10:00", "一号院", "XGM330100000001"),
    ]
    assert "核查中" in table and "城市平台已受理" in table


def test_no_rider_names_phones_or_photos(app, k):
    """The page never shows a rider's name, phone number or photo."""
    html = _observer(app, known.XIHU).get("/oversight", query_string=PERIOD).get_data(as_text=True)
    for secret in ("李骑手", "13700001111", "photos/1.jpg", "<img"):
        assert secret not in html


def test_the_page_has_no_form_but_sign_out(app, k):
    """Read-only: the only form on the page is the sign-out button."""
    html = _observer(app, known.BEISHAN).get("/oversight").get_data(as_text=True)
    assert re.findall(r'<form[^>]*action="([^"]+)"', html) == ["/logout"]


def test_oversight_refuses_office_users(app, k):
    """An office user gets 403 on /oversight; anonymous visitors go to /login."""
    from tenants import Tenant
    from tests.factories import create_user
    from xgm.extensions import db

    with app.app_context():
        create_user(db.session.get(Tenant, k.a), "owner", email="owner@example.com")
    client = app.test_client()
    login(client, "owner@example.com", PASSWORD)
    assert client.get("/oversight").status_code == 403
    response = app.test_client().get("/oversight")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


#: 城南街道 of 桐庐县 (Hangzhou) and 城南街道 of 乐清市 (Wenzhou): same name, two counties.
TONGLU_CHENGNAN = "330122004000"
YUEQING_CHENGNAN = "330382003000"


def test_a_same_named_street_in_another_county_is_never_seen(app):
    """桐庐县 城南街道's observer sees its compounds only: not 乐清市 城南街道's, and not a
    compound whose manager typed "桐庐县 城南街道" without it resolving to the division."""
    from tests.factories import create_compound, create_tenant

    with app.app_context():
        tonglu, yueqing, typed = (create_tenant(n) for n in ("桐庐物业", "乐清物业", "手填物业"))
        data.compound(tonglu.id, "江滨花园", "330122004018")  # 江滨社区, 桐庐县城南街道
        data.compound(yueqing.id, "南岸小区", "330382003009")  # 南岸社区, 乐清市城南街道
        data.compound(yueqing.id, "城南公寓", YUEQING_CHENGNAN)
        create_compound(typed.id, "手填小区", district="桐庐县", street="城南街道", community="")
    seen = {}
    for code in (TONGLU_CHENGNAN, YUEQING_CHENGNAN, "330122", "330100", "330300"):
        html = _observer(app, code).get("/oversight").get_data(as_text=True)
        seen[code] = sorted(COMPOUND_LINK.findall(html))
    assert seen == {
        TONGLU_CHENGNAN: ["江滨花园"],
        YUEQING_CHENGNAN: ["南岸小区", "城南公寓"],
        "330122": ["江滨花园"],
        "330100": ["江滨花园"],
        "330300": ["南岸小区", "城南公寓"],  # 温州市
    }


def test_an_unbound_observer_sees_nothing_and_is_told(app, k):
    """An account from before divisions whose area did not resolve sees no compound (not
    those of a similar name) and is told to ask the operator."""
    with app.app_context():
        create_observer(unbound=("street", "北山街道办"), email="old@gov.example")
    client = app.test_client()
    assert login(client, "old@gov.example", PASSWORD).status_code == 302
    html = client.get("/oversight", query_string=PERIOD).get_data(as_text=True)
    assert COMPOUND_LINK.findall(html) == []
    assert "您的辖区还没有对应到行政区划" in html
    kpis = dict(KPI.findall(html))
    assert kpis["扫码"] == "0"
