"""The dashboard's unattended arrivals and each guard's time to decision."""

import re
from datetime import timedelta

from sqlalchemy import update

from tenants import Tenant, tenant_context
from tests.conftest import login
from tests.dashboard import data
from tests.dashboard.known import local
from tests.factories import PASSWORD, create_tenant, create_user
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.reporting import figures

PERIOD = {"period": "custom", "from": "2024-05-01", "to": "2024-05-07"}


def _decided(tenant_id, compound, gate, day, wait, guard_id, name, unattended=False):
    arrival_id = data.arrival(tenant_id, compound, gate, local(day, 9), "admitted", wait)
    values = {"decided_by_guard_id": guard_id, "decided_by_name": name}
    if unattended:
        values["unattended_at"] = local(day, 9) + timedelta(seconds=90)
    with tenant_context(tenant_id):
        db.session.execute(update(Arrival).where(Arrival.id == arrival_id).values(**values))
        db.session.commit()
    return arrival_id


def _world(app):
    with app.app_context():
        tenant = create_tenant("甲物业有限公司").id
        compound = data.compound(tenant, "一号院", "330106002052")
        gate = data.gate(tenant, compound, "1号门")
        # 张伟: 10, 20, 30 s; 李强: 100 s (unattended) and 200 s (unattended); one outside.
        for day, wait in ((2, 10), (3, 20), (4, 30)):
            _decided(tenant, compound, gate, day, wait, 1, "张伟")
        _decided(tenant, compound, gate, 3, 100, 2, "李强", unattended=True)
        _decided(tenant, compound, gate, 5, 200, 2, "李强", unattended=True)
        _decided(tenant, compound, gate, 20, 300, 2, "李强", unattended=True)  # 05-20: outside
    return tenant


def test_guard_times_and_unattended_figures(app):
    """Per guard: decisions, median, p90 and unattended ones, slowest first; unattended total."""
    tenant = _world(app)
    scope = figures.Scope(local(1, 0), local(8, 0))
    with app.app_context(), tenant_context(tenant):
        rows = figures.decision_times_by_guard(scope)
        total, latest = figures.unattended_arrivals(scope)
        assert [
            (g.name, g.times.count, g.times.median, g.times.p90, g.unattended) for g in rows
        ] == [
            ("李强", 2, 100.0, 200.0, 2),
            ("张伟", 3, 20.0, 30.0, 0),
        ]
        assert total == 2
        assert [a.created_at for a in latest] == [local(5, 9), local(3, 9)]


def test_dashboard_page_shows_them(app):
    """/dashboard lists the unattended arrivals and the guards' table."""
    tenant = _world(app)
    client = app.test_client()
    with app.app_context():
        create_user(db.session.get(Tenant, tenant), "owner", email="o@example.com")
    assert login(client, "o@example.com", PASSWORD).status_code == 302
    html = client.get("/dashboard", query_string=PERIOD).get_data(as_text=True)
    section = html.split('id="unattended"')[1].split("</section>")[0]
    assert re.search(r'无人处理的骑手 <span class="tag bad">2</span>', section)
    assert section.count("<tr><td>") == 2
    guards = html.split('id="guard-times"')[1].split("</section>")[0]
    assert re.findall(r"<tr><td>(\S+)</td><td class=\"num\">(\d+)</td>", guards) == [
        ("李强", "2"),
        ("张伟", "3"),
    ]
