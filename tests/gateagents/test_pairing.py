"""Pairing an agent with a gate by a one-time code, and revoking it."""

import threading
from datetime import timedelta

from sqlalchemy import func, select, update

from tenants import tenant_context, unscoped, utcnow
from tests.factories import (
    AgentApi,
    agent,
    audit_kinds,
    create_gate,
    pair,
    paired_agent,
    pairing_code,
)
from xgm.compounds.models import Compound, Gate
from xgm.devices.models import secret_digest
from xgm.extensions import db
from xgm.gateagents.models import AgentPairingCode, GateAgent
from xgm.gateagents.pairing import secret_digest as agent_digest


def test_code_page_shows_the_code_and_stores_only_its_hash(site):
    """POST /gates/<id>/agents/new shows an 8-character code in #agent-code; the DB has its hash."""
    code = pairing_code(site.office, site.gate_id)
    assert len(code) == 8
    with site.app.app_context(), tenant_context(site.tenant_id):
        rows = db.session.scalars(select(AgentPairingCode)).all()
        assert len(rows) == 1
        assert rows[0].code_hash == secret_digest(code)
        assert rows[0].gate_id == site.gate_id
        assert rows[0].expires_at - rows[0].created_at == timedelta(minutes=15)
        assert code not in repr(rows[0].__dict__)
    assert audit_kinds(site.app, site.tenant_id) == ["gate_agent.code_created"]


def test_pairing_returns_credentials_once(site, new_client):
    """The code pairs one agent (201 with a token); the same code again is 409 "used"."""
    code = pairing_code(site.office, site.gate_id)
    first = pair(new_client(), code, version="1.0.0", adapter="serial")
    assert first.status_code == 201
    body = first.get_json()
    assert body["gate"] == {"id": site.gate_id, "name": "东门"}
    assert body["compound"]["name"] == "甲苑"
    assert body["agent"]["name"] == "东门开闸器 1"
    agent_id, secret = body["token"].split(".")
    assert int(agent_id) == body["agent"]["id"] and len(secret) >= 40
    again = pair(new_client(), code)
    assert again.status_code == 409
    assert again.get_json()["error"]["reason"] == "used"
    assert again.get_json()["error"]["message"] == "该配对码已经用过，请让管理员在门岗页面重新生成"
    with site.app.app_context(), tenant_context(site.tenant_id):
        agents = db.session.scalars(select(GateAgent)).all()
        assert len(agents) == 1
        assert agents[0].secret_hash == agent_digest(secret)
        assert (agents[0].adapter, agents[0].version) == ("serial", "1.0.0")
    assert audit_kinds(site.app, site.tenant_id) == ["gate_agent.code_created", "gate_agent.paired"]


def test_bad_codes_are_refused_with_reasons(site, new_client):
    """A malformed code is 400, an unknown one 404, an expired one 410, each with its message."""
    code = pairing_code(site.office, site.gate_id)
    client = new_client()
    malformed = pair(client, "abc")
    assert malformed.status_code == 400
    assert malformed.get_json()["error"]["reason"] == "invalid"
    unknown = pair(client, "ZZZZZZZZ" if code != "ZZZZZZZZ" else "YYYYYYYY")
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["message"] == "配对码不正确，请核对后重试"
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(
            update(AgentPairingCode).values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    expired = pair(client, code.lower()[:4] + "-" + code.lower()[4:])  # typed loosely: normalised
    assert expired.status_code == 410
    assert expired.get_json()["error"]["reason"] == "expired"
    assert pair(client, None).status_code == 400
    assert client.post("/api/agent/pair", data="not json").status_code == 400
    with site.app.app_context(), unscoped():
        assert db.session.scalar(select(func.count()).select_from(GateAgent)) == 0


def test_pairing_is_rate_limited_per_address(site, new_client):
    """The 11th pairing attempt within a minute from one address is 429, even with a good code."""
    client = new_client()
    for _ in range(10):
        assert pair(client, "ZZZZZZZZ").status_code == 404
    code = pairing_code(site.office, site.gate_id)
    assert pair(client, code).status_code == 429
    assert pair(new_client(), code, name="x").status_code == 429  # same address, same counter


def test_two_agents_racing_for_one_code_pair_once(site, live_server):
    """Two agents posting the same code at the same moment: one 201, one 409, one agent row."""
    import requests

    code = pairing_code(site.office, site.gate_id)
    barrier, answers = threading.Barrier(2), []

    def attempt():
        barrier.wait()
        answers.append(
            requests.post(f"{live_server}/api/agent/pair", json={"code": code}, timeout=10)
        )

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [201, 409]
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(GateAgent)) == 1


def test_no_code_for_an_inactive_gate_or_archived_compound(site):
    """Pairing codes are refused (400, reason shown) for a deactivated gate or archived compound."""
    assert site.office.post(f"/gates/{site.gate_id}/deactivate").status_code == 302
    response = site.office.post(f"/gates/{site.gate_id}/agents/new")
    assert response.status_code == 400
    assert "该门岗已停用，请先启用再配对开闸器" in response.get_data(as_text=True)
    with site.app.app_context():
        other_gate = create_gate(site.tenant_id, site.other, "南门")
    assert site.office.post(f"/compounds/{site.other}/archive").status_code == 302
    response = site.office.post(f"/gates/{other_gate}/agents/new")
    assert response.status_code == 400
    assert "该小区已归档，不能配对开闸器" in response.get_data(as_text=True)
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(AgentPairingCode)) == 0


def test_a_code_made_before_the_gate_was_deactivated_does_not_pair(site, new_client):
    """A code whose gate was deactivated since is refused with reason "gate"."""
    code = pairing_code(site.office, site.gate_id)
    with site.app.app_context(), tenant_context(site.tenant_id):
        db.session.execute(update(Gate).values(active=False))
        db.session.commit()
    response = pair(new_client(), code)
    assert response.status_code == 409
    assert response.get_json()["error"]["reason"] == "gate"


def test_code_form_needs_csrf(site):
    """POST /gates/<id>/agents/new without the CSRF token is 400 and creates no code."""
    response = site.office.client.post(f"/gates/{site.gate_id}/agents/new")
    assert response.status_code == 400
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(AgentPairingCode)) == 0


def test_credentials_are_checked(site, new_client):
    """No header, a wrong secret or a malformed token: 401 with the reason, no commands."""
    api = paired_agent(site)
    client = new_client()
    assert client.get("/api/agent/commands?wait=0").status_code == 401
    wrong = AgentApi(client, f"{api.agent_id}.{'x' * 43}")
    response = wrong.poll()
    assert response.status_code == 401
    assert response.get_json()["error"]["reason"] == "invalid"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="xgm-gate-agent"'
    assert AgentApi(client, "not-a-token").poll().status_code == 401
    assert api.poll().status_code == 200


def test_revocation_stops_the_agent_at_once(site):
    """Revoking from the gate page: the agent's next call is 401 "revoked"; audited; page says so."""
    api = paired_agent(site)
    assert api.poll().status_code == 200
    response = site.office.post(f"/gate-agents/{api.agent_id}/revoke")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/gates/{site.gate_id}/agents"
    refused = api.poll()
    assert refused.status_code == 401
    assert refused.get_json()["error"]["reason"] == "revoked"
    assert api.claim("0" * 32).status_code == 401
    assert agent(site.app, site.tenant_id, api.agent_id).revoked_at is not None
    assert audit_kinds(site.app, site.tenant_id)[-1] == "gate_agent.revoked"
    page = site.office.client.get(f"/gates/{site.gate_id}/agents").get_data(as_text=True)
    assert "已停用的开闸器" in page and "还没有配对开闸器" in page
    # Revoking twice changes nothing.
    assert site.office.post(f"/gate-agents/{api.agent_id}/revoke").status_code == 302
    assert audit_kinds(site.app, site.tenant_id).count("gate_agent.revoked") == 1


def test_revocation_ends_an_open_long_poll(site, live_server):
    """A poll waiting at the server returns 401 within a second or two of the revocation."""
    import time

    import requests

    api = paired_agent(site)
    answers = []

    def poll():
        answers.append(
            requests.get(
                f"{live_server}/api/agent/commands?wait=20",
                headers={"Authorization": f"Bearer {api.token}"},
                timeout=30,
            )
        )

    thread = threading.Thread(target=poll)
    thread.start()
    _wait_for_waiting_poll(site.app)
    started = time.monotonic()
    assert site.office.post(f"/gate-agents/{api.agent_id}/revoke").status_code == 302
    thread.join(timeout=25)
    assert answers and answers[0].status_code == 401
    assert time.monotonic() - started < 10  # woken, not at the end of its 20 s


def _wait_for_waiting_poll(app, timeout: float = 10.0) -> None:
    import time

    from xgm.gateagents.wakeups import get_wakeups

    with app.app_context():
        hub = get_wakeups()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.waiting() and hub.ready.is_set():
            return
        time.sleep(0.02)
    raise AssertionError("no poll is waiting")


def test_suspended_company_agent_is_refused_but_keeps_its_credentials(site):
    """An agent of a suspended tenant gets 403 "suspended" (not 401: it must not unpair)."""
    from tenants import Tenant

    api = paired_agent(site)
    with site.app.app_context(), unscoped():
        db.session.execute(update(Tenant).values(status="suspended"))
        db.session.commit()
    response = api.poll()
    assert response.status_code == 403
    assert response.get_json()["error"]["reason"] == "suspended"


def test_another_tenants_manager_cannot_pair_or_revoke(site, new_client):
    """Another company's owner gets 404 for this gate's pairing and this agent's revocation."""
    from tests.factories import sign_in_office

    api = paired_agent(site)
    other = sign_in_office(site.app, new_client(), "other@example.com", "别家物业有限公司")
    assert other.post(f"/gates/{site.gate_id}/agents/new").status_code == 404
    assert other.post(f"/gate-agents/{api.agent_id}/revoke").status_code == 404
    assert agent(site.app, site.tenant_id, api.agent_id).revoked_at is None
    with site.app.app_context(), tenant_context(other.tenant_id):
        assert db.session.scalar(select(func.count()).select_from(Compound)) == 0
