"""Managers' arrivals log: filters (compound, gate, day, outcome), pages, the detail page."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.factories import ACTIVE, create_gate, make_place, sign_in_office
from xgm.extensions import db
from xgm.passes.models import Arrival


@pytest.fixture
def log(city_app, client):
    """A signed-in owner with two compounds; returns (tenant_id, (sunny ids), (river ids))."""
    tenant_id = sign_in_office(city_app, client, "boss@example.com", "阳光物业有限公司").tenant_id
    sunny = make_place(city_app, tenant_id, "阳光花园", "东门")
    river = make_place(city_app, tenant_id, "富春苑", "南门")
    return tenant_id, sunny, river


def add_arrival(app, tenant_id, compound_id, gate_id, *, name="王小明", outcome="pending", at=None):
    """An arrival row written directly (the log only reads them)."""
    with app.app_context(), tenant_context(tenant_id):
        arrival = Arrival(
            compound_id=compound_id,
            gate_id=gate_id,
            compound_name="阳光花园",
            gate_name="东门",
            rider_code=ACTIVE,
            rider_name=name,
            outcome=outcome,
            created_at=at or utcnow(),
        )
        db.session.add(arrival)
        db.session.commit()
        return arrival.id


def names(response) -> list[str]:
    """The rider names of the log's rows, in page order."""
    import re

    body = response.get_data(as_text=True)
    return re.findall(r'<tr class="arrival-row"[^>]*>\s*<td>[^<]*</td>\s*<td><strong>([^<]+)', body)


def test_log_lists_newest_first(client, log):
    """Every arrival of the tenant, newest first."""
    tenant_id, sunny, river = log
    add_arrival(
        client.application,
        tenant_id,
        sunny[0],
        sunny[1],
        name="甲",
        at=utcnow() - timedelta(minutes=5),
    )
    add_arrival(client.application, tenant_id, river[0], river[1], name="乙")
    response = client.get("/arrivals")
    assert response.status_code == 200
    assert names(response) == ["乙", "甲"]


def test_filter_by_compound_and_gate(client, log):
    """compound_id and gate_id narrow the log."""
    tenant_id, sunny, river = log
    with client.application.app_context():
        north = create_gate(tenant_id, sunny[0], "北门")
    add_arrival(client.application, tenant_id, sunny[0], sunny[1], name="东")
    add_arrival(client.application, tenant_id, sunny[0], north, name="北")
    add_arrival(client.application, tenant_id, river[0], river[1], name="南")
    assert sorted(names(client.get(f"/arrivals?compound_id={sunny[0]}"))) == ["东", "北"]
    assert names(client.get(f"/arrivals?compound_id={sunny[0]}&gate_id={north}")) == ["北"]


def test_filter_by_outcome(client, log):
    """outcome narrows the log; an unknown outcome is ignored."""
    tenant_id, sunny, _ = log
    add_arrival(client.application, tenant_id, sunny[0], sunny[1], name="放", outcome="admitted")
    add_arrival(client.application, tenant_id, sunny[0], sunny[1], name="拒", outcome="denied")
    assert names(client.get("/arrivals?outcome=denied")) == ["拒"]
    assert len(names(client.get("/arrivals?outcome=bogus"))) == 2


def test_filter_by_chinese_day(client, log):
    """day=YYYY-MM-DD is a day in China: 23:30 UTC belongs to the next Chinese day."""
    tenant_id, sunny, _ = log
    add_arrival(
        client.application,
        tenant_id,
        sunny[0],
        sunny[1],
        name="夜",
        at=datetime(2026, 11, 27, 23, 30),
    )
    add_arrival(
        client.application,
        tenant_id,
        sunny[0],
        sunny[1],
        name="午",
        at=datetime(2026, 11, 27, 4, 0),
    )
    assert names(client.get("/arrivals?day=2026-11-28")) == ["夜"]
    assert names(client.get("/arrivals?day=2026-11-27")) == ["午"]
    assert len(names(client.get("/arrivals?day=not-a-date"))) == 2


def test_log_is_paginated(client, log):
    """50 rows a page; page 2 holds the rest."""
    tenant_id, sunny, _ = log
    start = utcnow() - timedelta(hours=1)
    for n in range(55):
        add_arrival(
            client.application,
            tenant_id,
            sunny[0],
            sunny[1],
            name=f"骑手{n:02d}",
            at=start + timedelta(seconds=n),
        )
    first = client.get("/arrivals")
    assert len(names(first)) == 50
    assert "共 55 条" in first.get_data(as_text=True)
    assert names(client.get("/arrivals?page=2")) == [f"骑手{n:02d}" for n in range(4, -1, -1)]


def test_stale_pending_rows_show_as_expired(client, log):
    """Opening the log expires pending arrivals older than 10 minutes."""
    tenant_id, sunny, _ = log
    add_arrival(
        client.application, tenant_id, sunny[0], sunny[1], at=utcnow() - timedelta(minutes=11)
    )
    client.get("/arrivals")
    with client.application.app_context(), tenant_context(tenant_id):
        assert db.session.scalars(select(Arrival.outcome)).one() == "expired"


def test_detail_page_shows_the_card(client, log):
    """/arrivals/<id> shows the card, the outcome and a way to block the rider."""
    tenant_id, sunny, _ = log
    arrival_id = add_arrival(client.application, tenant_id, sunny[0], sunny[1], outcome="admitted")
    response = client.get(f"/arrivals/{arrival_id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "王小明" in body and ACTIVE in body and "已放行" in body
    assert f"/blocks?rider_code={ACTIVE}&amp;compound_id={sunny[0]}" in body


def test_another_tenants_arrival_is_404(client, new_client, log):
    """Another company's manager gets 404 for our arrival and sees none in the log."""
    tenant_id, sunny, _ = log
    arrival_id = add_arrival(client.application, tenant_id, sunny[0], sunny[1])
    rival = new_client()
    sign_in_office(client.application, rival, "rival@example.com", "对手物业有限公司")
    assert rival.get(f"/arrivals/{arrival_id}").status_code == 404
    assert names(rival.get("/arrivals")) == []


def test_log_needs_an_office_user(new_client, log):
    """Strangers are sent to sign in."""
    response = new_client().get("/arrivals")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_search_by_rider_code_or_name(client, log):
    """?q= finds arrivals by part of the rider's name or code; wildcards are plain text."""
    tenant_id, sunny, _ = log
    add_arrival(client.application, tenant_id, sunny[0], sunny[1], name="王小明")
    add_arrival(client.application, tenant_id, sunny[0], sunny[1], name="李四")
    assert names(client.get("/arrivals?q=小明")) == ["王小明"]
    assert sorted(names(client.get(f"/arrivals?q={ACTIVE[-6:]}"))) == ["李四", "王小明"]
    assert names(client.get("/arrivals?q=%25")) == []


def test_gate_filter_without_compound_and_reason_column(client, log):
    """Every gate is offered grouped by compound; a denial's reason has its own column."""
    tenant_id, sunny, river = log
    add_arrival(client.application, tenant_id, river[0], river[1], name="南")
    with client.application.app_context(), tenant_context(tenant_id):
        row = Arrival(
            compound_id=sunny[0],
            gate_id=sunny[1],
            compound_name="阳光花园",
            gate_name="东门",
            rider_code=ACTIVE,
            rider_name="拒",
            outcome="denied",
            reason="未戴头盔",
        )
        db.session.add(row)
        db.session.commit()
    html = client.get("/arrivals").get_data(as_text=True)
    assert '<optgroup label="富春苑">' in html and "<th>原因</th>" in html
    assert "<td>未戴头盔</td>" in html
    assert names(client.get(f"/arrivals?gate_id={river[1]}")) == ["南"]
