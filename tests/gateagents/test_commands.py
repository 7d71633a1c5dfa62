"""Open commands: sent by open_gate, carried by polls, claimed once within 10 s, reported, audited."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.factories import (
    age_command,
    agent,
    audit_kinds,
    command,
    create_gate,
    paired_agent,
    send_open,
)
from xgm.audit.models import AuditEvent
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents.commands import (
    CommandRefused,
    NoGateAgent,
    claim,
    on_command_finished,
    open_gate,
    settle_stale_everywhere,
)
from xgm.gateagents.display import command_json, latest_for_arrival
from xgm.gateagents.models import GateAgent, GateCommand


def test_open_gate_without_an_agent_raises(site):
    """open_gate on a gate with no paired agent raises NoGateAgent and writes nothing."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        gate = db.session.get(Gate, site.gate_id)
        with pytest.raises(NoGateAgent):
            open_gate(gate)
        assert db.session.scalars(select(GateCommand)).all() == []


def test_a_command_goes_to_the_agent_once_and_its_result_back(site):
    """Sent -> carried by the poll -> claimed -> opened: the command, the health and the audit."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    carried = api.commands()
    assert len(carried) == 1
    assert carried[0]["id"] == key and carried[0]["action"] == "open"
    assert carried[0]["claimed"] is False
    assert 9.0 < carried[0]["expires_in"] <= 10.0
    claimed = api.claim(key)
    assert claimed.status_code == 200
    assert claimed.get_json()["claimed"] is True
    assert [(c["id"], c["claimed"]) for c in api.commands()] == [(key, True)]
    reported = api.report(key, "opened", "HTTP 200 · 1 OK · ok")
    assert reported.status_code == 200
    assert reported.get_json() == {"recorded": True, "status": "opened"}
    assert api.commands() == []
    row = command(site.app, site.tenant_id, key)
    assert (row.status, row.answer, row.claimed_by_agent_id) == (
        "opened",
        "HTTP 200 · 1 OK · ok",
        api.agent_id,
    )
    assert row.delivered_at is not None and row.finished_at is not None
    health = agent(site.app, site.tenant_id, api.agent_id)
    assert (health.last_outcome, health.version, health.adapter) == ("opened", "1.0.0", "hikvision")
    assert audit_kinds(site.app, site.tenant_id)[-2:] == [
        "gate_command.sent",
        "gate_command.opened",
    ]
    with site.app.app_context(), tenant_context(site.tenant_id):
        result = db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == "gate_command.opened")
        ).one()
        assert (result.actor_kind, result.actor_id) == ("gate_agent", api.agent_id)
        detail = json.loads(result.detail)
        assert detail["command"] == key and detail["answer"] == "HTTP 200 · 1 OK · ok"
        assert detail["gate"] == "东门" and detail["agent"] == "东门开闸器 1"


def test_repeated_report_changes_nothing_and_a_different_one_is_refused(site):
    """The same result twice: 200 recorded=false; another outcome after it: 409; one audit row."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert api.claim(key).status_code == 200
    assert api.report(key, "failed", "HTTP 503 · 2 Device Busy").get_json()["recorded"] is True
    assert api.report(key, "failed", "HTTP 503 · 2 Device Busy").get_json() == {
        "recorded": False,
        "status": "failed",
    }
    other = api.report(key, "opened")
    assert other.status_code == 409
    assert other.get_json()["error"]["reason"] == "finished"
    assert audit_kinds(site.app, site.tenant_id).count("gate_command.failed") == 1
    assert command(site.app, site.tenant_id, key).status == "failed"


def test_result_input_is_checked(site):
    """An unknown outcome or a non-text answer is 400 with a Chinese reason; nothing changes."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert api.claim(key).status_code == 200
    bad = api.report(key, "exploded")
    assert bad.status_code == 400
    assert bad.get_json()["error"]["message"] == (
        "结果应为 opened, failed, timeout, expired, unconfirmed 之一"
    )
    response = api.client.post(
        f"/api/agent/commands/{key}/result",
        json={"outcome": "opened", "answer": 5},
        headers=api._headers(),
    )
    assert response.status_code == 400
    assert (
        api.client.post(
            f"/api/agent/commands/{key}/result", data="x", headers=api._headers()
        ).status_code
        == 400
    )
    assert command(site.app, site.tenant_id, key).status == "claimed"


def test_only_the_claiming_agent_reports(site):
    """A report before any claim, or by another agent of the gate, is 409 "not_claimed"."""
    first, second = paired_agent(site), paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert first.report(key, "opened").status_code == 409
    assert first.claim(key).status_code == 200
    refused = second.report(key, "failed")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["reason"] == "not_claimed"
    assert command(site.app, site.tenant_id, key).status == "claimed"


def test_two_agents_of_a_gate_claim_it_once(site):
    """Both agents' polls carry the command; the first claim wins, the second is 409."""
    first, second = paired_agent(site), paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert [c["id"] for c in first.commands()] == [key]
    assert [c["id"] for c in second.commands()] == [key]
    assert first.claim(key).status_code == 200
    lost = second.claim(key)
    assert lost.status_code == 409
    assert lost.get_json()["error"]["reason"] == "claimed"
    assert second.commands() == []
    assert first.claim(key).status_code == 200  # its own claim again (first answer lost): same


def test_a_lost_claim_answer_is_retried(site):
    """The claiming agent's poll carries its unreported command again, marked claimed."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert api.claim(key).status_code == 200  # ... and the answer never reached the agent
    again = api.commands()
    assert [(c["id"], c["claimed"]) for c in again] == [(key, True)]


def test_the_claim_window_is_ten_seconds(site):
    """With a controlled clock: claimable 9.9 s after sending, refused (and expired) at 10 s."""
    first, second = paired_agent(site), paired_agent(site)
    sent = utcnow()
    early = send_open(site.app, site.tenant_id, site.gate_id, now=sent)
    late = send_open(site.app, site.tenant_id, site.gate_id, now=sent)
    with site.app.app_context(), tenant_context(site.tenant_id):
        agent_one = db.session.get(GateAgent, first.agent_id)
        agent_two = db.session.get(GateAgent, second.agent_id)
        rows = {c.key: c for c in db.session.scalars(select(GateCommand).order_by(GateCommand.id))}
        claimed = claim(agent_one, rows[early], now=sent + timedelta(seconds=9.9))
        assert claimed.status == "claimed"
        with pytest.raises(CommandRefused) as refused:
            claim(agent_two, rows[late], now=sent + timedelta(seconds=10))
        assert refused.value.reason == "expired"
    assert command(site.app, site.tenant_id, late).status == "expired"
    assert command(site.app, site.tenant_id, late).claimed_at is None


def test_an_expired_command_is_neither_carried_nor_claimable(site):
    """After 10 s the poll no longer carries it, a claim is 410, and it is settled expired."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    age_command(site.app, site.tenant_id, key, 10)
    assert api.commands() == []
    refused = api.claim(key)
    assert refused.status_code == 410
    assert refused.get_json()["error"]["reason"] == "expired"
    row = command(site.app, site.tenant_id, key)
    assert (row.status, row.answer) == ("expired", "10 秒内没有开闸器接收，未执行")
    assert audit_kinds(site.app, site.tenant_id)[-1] == "gate_command.expired"
    assert api.report(key, "opened").status_code == 409  # never claimed: nothing to report


def test_an_agent_may_report_it_did_not_execute_an_expired_claim(site):
    """A claimed command the agent found too old is reported "expired" and stays so."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert api.claim(key).status_code == 200
    assert api.report(key, "expired", "开闸器接收时指令已过期，未执行").status_code == 200
    assert command(site.app, site.tenant_id, key).status == "expired"


def test_the_sweep_settles_unclaimed_and_unreported_commands(site):
    """settle_stale_everywhere: unclaimed after 10 s -> expired; claimed, silent 30 s -> unconfirmed;
    a late report still replaces "unconfirmed"."""
    api = paired_agent(site)
    fresh = send_open(site.app, site.tenant_id, site.gate_id)
    old = send_open(site.app, site.tenant_id, site.gate_id)
    silent = send_open(site.app, site.tenant_id, site.gate_id)
    assert api.claim(silent).status_code == 200
    age_command(site.app, site.tenant_id, old, 11)
    age_command(site.app, site.tenant_id, silent, 31)
    with site.app.app_context():
        assert settle_stale_everywhere() == 2
        assert settle_stale_everywhere() == 0
    assert command(site.app, site.tenant_id, fresh).status == "pending"
    assert command(site.app, site.tenant_id, old).status == "expired"
    row = command(site.app, site.tenant_id, silent)
    assert (row.status, row.answer) == ("unconfirmed", "开闸器接收后没有回报结果")
    assert agent(site.app, site.tenant_id, api.agent_id).last_outcome == "unconfirmed"
    with site.app.app_context(), tenant_context(site.tenant_id):
        settled = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.kind.in_(["gate_command.expired", "gate_command.unconfirmed"])
            )
        ).all()
        assert [e.actor_kind for e in settled] == ["system", "system"]
    late = api.report(silent, "opened", "HTTP 200 · 1 OK · ok")
    assert late.status_code == 200 and late.get_json()["status"] == "opened"


@pytest.fixture
def callbacks():
    """The registered on_command_finished callbacks, emptied again after the test."""
    from xgm.gateagents import commands

    yield commands._FINISHED_CALLBACKS
    commands._FINISHED_CALLBACKS.clear()


def test_finished_callbacks_and_the_screen_state(site, callbacks):
    """on_command_finished callbacks run once per settled command (a failing one does not stop
    the others); command_json gives the card's state."""
    api = paired_agent(site)
    seen = []
    on_command_finished(lambda c: 1 / 0)
    on_command_finished(lambda c: seen.append((c.key, c.status)))
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert api.claim(key).status_code == 200
    assert api.report(key, "timeout", "设备 5 秒内没有应答").status_code == 200
    assert seen == [(key, "timeout")]
    with site.app.test_request_context(), tenant_context(site.tenant_id):
        row = db.session.scalars(select(GateCommand)).one()
        state = command_json(row)
    assert state["status"] == "timeout" and state["label"] == "道闸无响应"
    assert state["finished"] is True and state["ok"] is False
    assert state["answer"] == "设备 5 秒内没有应答"
    assert state["arrival_id"] is None and state["gate_id"] == site.gate_id


def test_latest_for_arrival_settles_a_stale_command(site):
    """The command of an arrival, read after its 10 s without any claim, reads as expired."""
    paired_agent(site)
    with site.app.app_context(), tenant_context(site.tenant_id):
        gate = db.session.get(Gate, site.gate_id)

        class FakeArrival:  # only the id is read
            id = 4242

        key = open_gate(gate, arrival=FakeArrival()).key
    age_command(site.app, site.tenant_id, key, 12)
    with site.app.app_context(), tenant_context(site.tenant_id):
        latest = latest_for_arrival(4242)
        assert latest.key == key and latest.status == "expired"
        assert latest_for_arrival(1) is None


def test_an_agent_sees_only_its_own_gates_commands(site):
    """An agent of another gate (same company) gets no commands of this gate: 404 on its id."""
    with site.app.app_context():
        north = create_gate(site.tenant_id, site.home, "北门")
    east, north_agent = paired_agent(site), paired_agent(site, north)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert north_agent.commands() == []
    assert north_agent.claim(key).status_code == 404
    assert north_agent.report(key, "opened").status_code == 404
    assert [c["id"] for c in east.commands()] == [key]
    assert east.claim("nothex" * 5 + "zz").status_code == 404


def test_another_companys_agent_cannot_touch_a_command(site, new_client):
    """An agent of another tenant gets 404 for this tenant's command id, on claim and result."""
    from tests.factories import make_site

    other = make_site(site.app, new_client(), email="b@example.com", company="别家物业有限公司")
    theirs = paired_agent(other)
    paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert theirs.commands() == []
    assert theirs.claim(key).status_code == 404
    assert theirs.report(key, "opened").status_code == 404
    assert command(site.app, site.tenant_id, key).status == "pending"
