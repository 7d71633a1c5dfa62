"""/dashboard for owners and managers: filters, figures on the page, CSP-safe charts."""

import re

import pytest

from tenants import Tenant
from tests.conftest import login
from tests.dashboard import known
from tests.factories import PASSWORD, create_observer, create_user
from xgm.extensions import db

PERIOD = {"period": "custom", "from": "2024-05-01", "to": "2024-05-07"}
KPI = re.compile(r'kpi-label">([^<]+)</span><strong class="kpi-value">([^<]+)</strong>')


@pytest.fixture
def k(app):
    """The known data set with a signed-in owner of tenant A."""
    return known.build(app)


def _office(app, tenant_id, role="owner"):
    client = app.test_client()
    with app.app_context():
        create_user(db.session.get(Tenant, tenant_id), role, email=f"{role}{tenant_id}@example.com")
    assert login(client, f"{role}{tenant_id}@example.com", PASSWORD).status_code == 302
    return client


def _kpis(html: str) -> dict[str, str]:
    return dict(KPI.findall(html))


@pytest.mark.parametrize("role", ["owner", "manager"])
def test_dashboard_shows_the_figures_of_the_period(app, k, role):
    """Owners and managers see scans 11, entries 8, median 30 秒, p90 1 分 40 秒, 3 complaints."""
    client = _office(app, k.a, role)
    response = client.get("/dashboard", query_string=PERIOD)
    assert response.status_code == 200
    assert _kpis(response.get_data(as_text=True)) == {
        "扫码": "11",
        "进入": "8",
        "等待中位数": "30 秒",
        "等待 P90": "1 分 40 秒",
        "投诉": "3",
        "每千次进入投诉": "375.0",
    }


def test_compound_and_gate_filters(app, k):
    """?compound= narrows to 一号院 (8 scans); ?gate= to 2号门 (1 scan)."""
    client = _office(app, k.a)
    html = client.get(
        "/dashboard", query_string={**PERIOD, "compound": k.compounds["一号院"]}
    ).get_data(as_text=True)
    assert _kpis(html)["扫码"] == "8"
    html = client.get("/dashboard", query_string={**PERIOD, "gate": k.gates[2]}).get_data(
        as_text=True
    )
    assert _kpis(html)["扫码"] == "1"


def test_another_tenants_compound_or_gate_is_404(app, k):
    """Filtering on tenant B's compound or gate answers 404."""
    client = _office(app, k.a)
    assert (
        client.get("/dashboard", query_string={"compound": k.compounds["乙院"]}).status_code == 404
    )
    assert client.get("/dashboard", query_string={"gate": k.gates["b3"]}).status_code == 404
    assert client.get("/dashboard", query_string={"compound": "x"}).status_code == 404


def test_gate_of_another_compound_is_404(app, k):
    """A gate that is not in the chosen compound answers 404."""
    client = _office(app, k.a)
    query = {"compound": k.compounds["一号院"], "gate": k.gates[3]}
    assert client.get("/dashboard", query_string=query).status_code == 404


def test_bad_custom_dates_are_a_400_in_chinese(app, k):
    """A malformed or reversed custom period: 400 with a readable reason."""
    client = _office(app, k.a)
    response = client.get(
        "/dashboard", query_string={"period": "custom", "from": "2024-5-1", "to": "x"}
    )
    assert response.status_code == 400
    assert "日期格式不正确" in response.get_data(as_text=True)
    response = client.get(
        "/dashboard", query_string={"period": "custom", "from": "2024-05-07", "to": "2024-05-01"}
    )
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.get_data(as_text=True)


def test_charts_are_inline_svg_without_script_or_inline_style(app, k):
    """Charts are <svg> drawn on the server; no <script>, no style= (CSP default-src 'self')."""
    client = _office(app, k.a)
    response = client.get("/dashboard", query_string=PERIOD)
    html = response.get_data(as_text=True)
    assert html.count('<svg class="chart"') == 3
    assert "<script" not in html
    assert "style=" not in html
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_idle_gates_are_listed(app, k):
    """Gates without scans for 7 days are listed with their last scan; inactive gates are not."""
    client = _office(app, k.a)
    html = client.get("/dashboard", query_string=PERIOD).get_data(as_text=True)
    idle = html[html.index("7 天无人扫码的门岗") :]
    assert '二号院 · 4号门</strong><br>\n        <span class="muted">从未有人扫码' in idle
    assert (
        '二号院 · 5号门</strong><br>\n        <span class="muted">最后一次扫码 2024-04-20 09:00'
        in idle
    )
    assert "7号门" not in idle
    assert "6 个门岗（共 6 个）近 7 天无人扫码" in idle  # counted (the view's now is today)


def test_observers_cannot_open_the_dashboard(app, k):
    """/dashboard is for office users: an observer gets 403."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    client = app.test_client()
    login(client, "ob@gov.example", PASSWORD)
    assert client.get("/dashboard").status_code == 403


def test_dashboard_needs_sign_in(client):
    """Anonymous visitors are sent to /login."""
    response = client.get("/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_only_the_owner_sees_the_privacy_link(app, k):
    """The dashboard links the owner (not managers) to the retention and access-log page."""
    owner = _office(app, k.a, "owner").get("/dashboard").get_data(as_text=True)
    manager = _office(app, k.a, "manager").get("/dashboard").get_data(as_text=True)
    assert 'href="/privacy"' in owner
    assert 'href="/privacy"' not in manager
