"""End to end: the real `python -m xgm.gateagent` against xgm under gunicorn (gevent; the test
process writes the command, so Redis carries the wake-up across processes) and the Hikvision
simulator: pair with the contract's command line, open, revoke."""

import json
import os
import stat
import subprocess
import sys
import time

import pytest

from tests.factories import agent, audit_kinds, command, pairing_code, send_open
from tests.gateagents.agents import wait_until
from tests.gateagents.processes import ROOT, WebServer, start_agent, stop_agent
from xgm.gatesim.hikvision import HikvisionSim


@pytest.fixture
def web(site, database_url, tmp_path):
    """xgm under gunicorn with gevent workers, on the test database (the site already in it)."""
    server = WebServer(database_url, tmp_path / "gunicorn.log", workers=1).start()
    yield server
    server.stop()


def _log(path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.mark.slow
def test_the_agent_pairs_opens_the_barrier_and_stops_when_revoked(site, web, tmp_path):
    """Paired by the CLI contract, the agent opens door 1 once per 放行 and exits 3 on revocation."""
    code = pairing_code(site.office, site.gate_id)
    state_path, log_path = tmp_path / "agent" / "state.json", tmp_path / "agent.log"
    args = [
        "--server", web.url, "--state", str(state_path), "--adapter", "hikvision",
        "--device-url", "", "--username", "admin", "--password", "Hik12345", "--door", "1",
    ]  # fmt: skip
    with HikvisionSim() as device:
        args[args.index("--device-url") + 1] = device.url
        process = start_agent(["--pair", code, *args], log_path)
        try:
            wait_until(lambda: state_path.exists(), 30, "the state file")
            saved = json.loads(state_path.read_text())
            agent_id = int(saved["token"].split(".")[0])
            assert stat.S_IMODE(os.stat(state_path).st_mode) == 0o600
            assert "Hik12345" not in state_path.read_text()
            assert (saved["compound"], saved["gate"], saved["agent_name"]) == (
                "甲苑",
                "东门",
                "东门开闸器 1",
            )
            wait_until(
                lambda: agent(site.app, site.tenant_id, agent_id).last_seen_at is not None,
                30,
                "the first poll",
            )
            time.sleep(1)  # the poll settles into its 25 s wait
            # The command is written by this process; Redis wakes the gunicorn worker holding
            # the agent's poll (the server's own database look is off: XGM_AGENT_RECHECK=60).
            key = send_open(site.app, site.tenant_id, site.gate_id)
            wait_until(
                lambda: command(site.app, site.tenant_id, key).status == "opened", 30, "opened"
            )
            assert [(o.door, o.cmd) for o in device.opens] == [(1, "open")]
            row = command(site.app, site.tenant_id, key)
            assert row.answer == "HTTP 200 · 1 OK · ok"
            assert (row.claimed_at - row.created_at).total_seconds() < 10
            health = agent(site.app, site.tenant_id, agent_id)
            assert (health.version, health.adapter, health.last_outcome) == (
                "1.0.0",
                "hikvision",
                "opened",
            )
            assert "配对成功：甲苑 · 东门" in _log(log_path)
            assert audit_kinds(site.app, site.tenant_id)[-3:] == [
                "gate_agent.paired",
                "gate_command.sent",
                "gate_command.opened",
            ]
            assert site.office.post(f"/gate-agents/{agent_id}/revoke").status_code == 302
            process.wait(timeout=30)
            assert process.returncode == 3, _log(log_path)
        finally:
            stop_agent(process)
    assert "已清除凭据，请重新配对" in _log(log_path)
    assert json.loads(state_path.read_text())["token"] is None
    assert len(device.opens) == 1
    again = subprocess.run(
        [sys.executable, "-m", "xgm.gateagent", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode == 3
    assert "还没有配对：请用 --pair 传入管理员在门岗页面生成的配对码" in again.stderr


@pytest.mark.slow
def test_a_refused_code_exits_4_with_the_servers_reason(live_server, tmp_path):
    """An unknown pairing code: the agent logs the server's Chinese reason and exits 4."""
    result = subprocess.run(
        [sys.executable, "-m", "xgm.gateagent", "--server", live_server, "--pair", "ZZZZZZZZ"]
        + ["--state", str(tmp_path / "s.json"), "--adapter", "serial", "--port", "/dev/null"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 4
    assert "配对失败：配对码不正确，请核对后重试" in result.stderr
    assert not (tmp_path / "s.json").exists()


def test_missing_adapter_arguments_are_a_usage_error(tmp_path):
    """--adapter hikvision without --device-url: exit 2 with what is missing."""
    result = subprocess.run(
        [sys.executable, "-m", "xgm.gateagent", "--server", "http://127.0.0.1:9"]
        + ["--adapter", "hikvision", "--username", "admin"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--adapter hikvision 需要 --device-url、--username 和 --password" in result.stderr


PROBE = """
import sys
from importlib.metadata import packages_distributions

# Every installed module but the standard library and requests (with its own dependencies)
# is made unimportable, as on a Raspberry Pi with only python3-requests installed.
allowed = {"requests", "urllib3", "idna", "certifi", "charset-normalizer"}
for module, dists in packages_distributions().items():
    names = {d.lower().replace("_", "-") for d in dists}
    if module not in sys.stdlib_module_names and not names & allowed and module != "xgm":
        sys.modules[module] = None
from xgm.gateagent.adapters.hikvision import HikvisionAdapter
from xgm.gateagent.adapters.httprelay import HttpRelayAdapter
from xgm.gateagent.adapters.serialrelay import SerialRelayAdapter
from xgm.gateagent.cli import build_parser

build_parser().parse_args(["--server", "https://x.example", "--adapter", "serial"])
HikvisionAdapter("http://192.168.1.64", "admin", "x")
HttpRelayAdapter("http://192.168.1.65", "s")
SerialRelayAdapter("/dev/ttyUSB0")
print(sorted(m for m in sys.modules if m.startswith("xgm") and not m.startswith("xgm.gateagent")))
print("flask" in sys.modules and sys.modules["flask"] is not None)
"""


def test_the_agent_needs_only_the_standard_library_and_requests():
    """With every other installed package unimportable, the agent and its adapters load, and no
    xgm code outside xgm.gateagent (the app, Flask, SQLAlchemy) is imported."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['xgm']", "False"]


@pytest.mark.slow
def test_sigterm_stops_a_waiting_agent_at_once(site, live_server, tmp_path):
    """systemd's stop (SIGTERM) while the agent waits in its long poll: exit 0 within seconds."""
    import signal

    code = pairing_code(site.office, site.gate_id)
    state_path, log_path = tmp_path / "state.json", tmp_path / "agent.log"
    process = start_agent(
        ["--server", live_server, "--pair", code, "--state", str(state_path)]
        + ["--adapter", "http-relay", "--relay-url", "http://127.0.0.1:9/relay"]
        + ["--relay-secret", "s"],
        log_path,
    )
    try:
        wait_until(lambda: "已连接，等待 甲苑 · 东门 的开闸指令" in _log(log_path), 30, "connected")
        time.sleep(0.5)  # into its 25 s poll
        stopped = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        assert process.returncode == 0
        assert time.monotonic() - stopped < 10
    finally:
        stop_agent(process)
    assert _log(log_path).rstrip().endswith("已停止")
    assert json.loads(state_path.read_text())["token"]  # still paired for the next start
