"""Lasting conditions: a gate agent or a phone offline alerts once per episode."""

from datetime import timedelta

from sqlalchemy import select, update

from tenants import tenant_context, utcnow
from tests.factories import age_agent, make_site, paired_agent
from xgm.alerts.jobs import sweep_job
from xgm.alerts.models import AlertEvent
from xgm.devices.models import Device
from xgm.extensions import db


def events(app, tenant_id) -> list[tuple[str, str, str]]:
    """(kind, ref, link) of the tenant's events, oldest first."""
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.scalars(select(AlertEvent).order_by(AlertEvent.id)).all()
        return [(e.kind, e.ref, e.link) for e in rows]


def sweep(app) -> int:
    """One run of the alerts sweep."""
    with app.app_context():
        return sweep_job()


def test_agent_offline_alerts_once_per_episode(app, client):
    """Silent past 75 s: one agent_offline; silent still: none; back and gone again: another."""
    site = make_site(app, client)
    agent = paired_agent(site)
    agent_id = agent.agent_id
    assert sweep(app) == 0
    age_agent(app, site.tenant_id, agent_id, 120)
    assert sweep(app) == 1
    assert sweep(app) == 0
    ((kind, ref, link),) = events(app, site.tenant_id)
    assert kind == "agent_offline" and "东门" in ref
    assert link == f"/gates/{site.gate_id}/agents"
    age_agent(app, site.tenant_id, agent_id, 0)
    assert sweep(app) == 0
    age_agent(app, site.tenant_id, agent_id, 120)
    assert sweep(app) == 1
    assert len(events(app, site.tenant_id)) == 2


def test_phone_offline_alerts_once(app, client):
    """A phone unseen for longer than XGM_PHONE_OFFLINE_AFTER: one phone_offline."""
    site = make_site(app, client)
    site.phone()
    assert sweep(app) == 0
    with app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(update(Device).values(last_seen_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert sweep(app) == 1
    assert sweep(app) == 0
    ((kind, ref, link),) = events(app, site.tenant_id)
    assert (kind, link) == ("phone_offline", "/devices")
    assert "甲苑" in ref
