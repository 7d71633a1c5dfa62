"""At most once: the real agent loop, a real server, a Hikvision simulator, and dropped connections.

The proxy between agent and server drops the answer of one request after the server handled
it: the poll that carried the command, the claim, or the report. Each time the door opens
exactly once, and the server ends with the device's result.
"""

import json
import os
import stat

import pytest

from tests.factories import audit_kinds, command, paired_agent, send_open
from tests.gateagents.agents import Background, make_runner, wait_until
from tests.gateagents.proxy import Proxy
from xgm.gateagent.adapters.hikvision import HikvisionAdapter
from xgm.gateagent.runner import Runner, backoff_delay
from xgm.gateagent.server import Command, ServerClient
from xgm.gateagent.state import AgentState, StateError
from xgm.gatesim.hikvision import HikvisionSim


@pytest.fixture
def device():
    """A Hikvision access controller simulator."""
    with HikvisionSim() as sim:
        yield sim


@pytest.fixture
def proxy(live_server):
    """A droppable TCP path from the agent to the live server."""
    proxy = Proxy(live_server)
    yield proxy
    proxy.stop()


def _adapter(device) -> HikvisionAdapter:
    return HikvisionAdapter(device.url, device.username, device.password, timeout=5)


def _opened_once(site, device, key: str) -> None:
    wait_until(lambda: command(site.app, site.tenant_id, key).status == "opened", message="opened")
    assert [(o.door, o.cmd) for o in device.opens] == [(1, "open")]
    assert command(site.app, site.tenant_id, key).answer == "HTTP 200 · 1 OK · ok"
    assert audit_kinds(site.app, site.tenant_id).count("gate_command.opened") == 1


@pytest.mark.parametrize(
    "marker",
    [b"GET /api/agent/commands", b"/claim HTTP", b"/result HTTP"],
    ids=["poll-answer-lost", "claim-answer-lost", "report-answer-lost"],
)
def test_a_dropped_answer_still_opens_exactly_once(site, device, proxy, tmp_path, marker):
    """Whichever answer the network drops, the door opens once and the result reaches xgm."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    proxy.drop_response_to(marker)
    runner = make_runner(tmp_path / "state.json", proxy.url, api.token, _adapter(device))
    loop = Background(runner)
    try:
        _opened_once(site, device, key)
        wait_until(lambda: runner.state.executed[key].reported, message="reported")
        assert proxy.dropped == [marker]  # noted before the agent saw its connection close
    finally:
        loop.stop()
    saved = json.loads((tmp_path / "state.json").read_text())
    assert saved["executed"][key]["outcome"] == "opened"
    assert saved["executed"][key]["reported"] is True


def test_a_cut_connection_reconnects_and_gets_the_next_command(site, device, proxy, tmp_path):
    """All connections cut while the agent waits: it reconnects and still opens within 10 s."""
    api = paired_agent(site)
    runner = make_runner(tmp_path / "state.json", proxy.url, api.token, _adapter(device), wait=20)
    loop = Background(runner)
    try:
        wait_until(lambda: _waiting(site.app), message="a waiting poll")
        proxy.cut()
        key = send_open(site.app, site.tenant_id, site.gate_id)
        _opened_once(site, device, key)
    finally:
        runner.stopping = True
        proxy.cut()  # end the 20 s poll now
        loop.stop()


def _waiting(app) -> bool:
    from xgm.gateagents.wakeups import get_wakeups

    with app.app_context():
        return get_wakeups().waiting() > 0


def test_an_executed_id_is_never_executed_again(site, device, live_server, tmp_path):
    """A command whose id is in the state file is not claimed or executed, even if offered again."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    runner = make_runner(tmp_path / "state.json", live_server, api.token, _adapter(device))
    runner.state.mark_result(key, "opened", "HTTP 200 · 1 OK · ok")
    runner.state.mark_reported(key)
    runner.handle(Command(key, "open", 9.5), received=runner.clock())
    assert device.opens == []
    assert command(site.app, site.tenant_id, key).status == "pending"  # not even claimed


def test_a_restart_mid_execution_reports_unconfirmed_and_does_not_repeat(
    site, device, live_server, tmp_path
):
    """The agent died after recording "started": at restart it reports unconfirmed, no reopening."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    assert api.claim(key).status_code == 200  # the agent claimed it, then died mid-way
    state = AgentState.load(tmp_path / "state.json")
    state.server, state.token = live_server, api.token
    state.mark_started(key)
    runner = make_runner(tmp_path / "state.json", live_server, api.token, _adapter(device))
    runner.recover()
    runner.step()
    assert device.opens == []
    row = command(site.app, site.tenant_id, key)
    assert (row.status, row.answer) == ("unconfirmed", "开闸器执行中重启，道闸是否抬起未知")


class SteppingClock:
    """A controlled clock: each reading is `step` seconds after the previous one."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_command_too_old_on_arrival_is_not_claimed(site, device, live_server, tmp_path):
    """With a controlled clock: received 10.5 s ago by the agent's clock -> neither claimed nor run."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    clock = SteppingClock(0)
    runner = make_runner(
        tmp_path / "state.json", live_server, api.token, _adapter(device), clock=clock
    )
    runner.handle(Command(key, "open", 10.0), received=clock.now - 10.5)
    assert device.opens == []
    assert command(site.app, site.tenant_id, key).status == "pending"
    assert key not in runner.state.executed


def test_a_command_that_expires_during_its_claim_is_not_executed(
    site, device, live_server, tmp_path
):
    """Claimed, but 10 s passed by the agent's clock meanwhile: not run, reported "expired"."""
    api = paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    clock = SteppingClock(6)  # received at t, checked at t+6, claim answered at t+12
    runner = make_runner(
        tmp_path / "state.json", live_server, api.token, _adapter(device), clock=clock
    )
    runner.handle(Command(key, "open", 10.0), received=clock())
    assert device.opens == []
    row = command(site.app, site.tenant_id, key)
    assert (row.status, row.answer) == ("expired", "开闸器接收时指令已过期，未执行")


def test_a_revoked_agent_stops_its_loop(site, device, live_server, tmp_path):
    """After revocation the loop raises Revoked (the CLI then exits 3 and drops the token)."""
    from xgm.gateagent.server import Revoked

    api = paired_agent(site)
    assert site.office.post(f"/gate-agents/{api.agent_id}/revoke").status_code == 302
    runner = make_runner(tmp_path / "state.json", live_server, api.token, _adapter(device))
    with pytest.raises(Revoked):
        runner.run()


def test_backoff_doubles_up_to_thirty_seconds():
    """Reconnect delays: 1, 2, 4, 8, 16, 30, 30 s at most, never below half of that."""
    highest = [backoff_delay(n, rng=lambda: 1.0) for n in range(1, 8)]
    lowest = [backoff_delay(n, rng=lambda: 0.0) for n in range(1, 8)]
    assert highest == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert lowest == [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]


def test_state_file_is_private_and_atomic(tmp_path):
    """The state file is written 0600 (also fixed on load), and a corrupt one is refused clearly."""
    path = tmp_path / "state.json"
    state = AgentState.load(path)
    state.server, state.token = "https://xgm.example.com", "12.secret"
    state.save()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    os.chmod(path, 0o644)
    assert AgentState.load(path).token == "12.secret"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temporary file left
    path.write_text("{not json")
    with pytest.raises(StateError, match="已损坏"):
        AgentState.load(path)


def test_unreachable_server_is_retried_not_fatal(site, device, tmp_path):
    """A server that does not answer: the loop logs, backs off and keeps trying."""
    from xgm.citysim.process import free_port

    sleeps = []
    runner = Runner(
        ServerClient(f"http://127.0.0.1:{free_port()}", "1.x" * 8, "hikvision"),
        _adapter(device),
        AgentState.load(tmp_path / "state.json"),
        wait=0.1,
        sleep=lambda s: (sleeps.append(s), setattr(runner, "stopping", len(sleeps) >= 3)),
    )
    runner.run()
    assert len(sleeps) == 3
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 2.0 <= sleeps[2] <= 4.0
