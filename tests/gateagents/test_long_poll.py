"""The agent's long poll over real HTTP: woken at once by a command, empty after its wait."""

import threading
import time
from datetime import timedelta

import requests

from tenants import tenant_context, utcnow
from tests.factories import paired_agent, send_open
from xgm.extensions import db
from xgm.gateagents.models import GateCommand
from xgm.gateagents.wakeups import get_wakeups


def _poll_in_thread(base: str, token: str, wait):
    answers = []

    def poll():
        started = time.monotonic()
        response = requests.get(
            f"{base}/api/agent/commands?wait={wait}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        answers.append((response, time.monotonic() - started))

    thread = threading.Thread(target=poll)
    thread.start()
    return thread, answers


def _wait_for_waiting_poll(app, timeout: float = 15.0) -> None:
    with app.app_context():
        hub = get_wakeups()
    deadline = time.monotonic() + timeout
    while not (hub.waiting() and hub.ready.is_set()):
        assert time.monotonic() < deadline, "no poll is waiting"
        time.sleep(0.02)


def test_a_waiting_poll_returns_the_new_command_at_once(site, live_server):
    """A poll waiting 20 s answers within a few seconds of open_gate, with the command."""
    site.app.config["XGM_AGENT_RECHECK"] = 60  # only the Redis wake-up can answer it early
    api = paired_agent(site)
    thread, answers = _poll_in_thread(live_server, api.token, 20)
    _wait_for_waiting_poll(site.app)
    sent = time.monotonic()
    key = send_open(site.app, site.tenant_id, site.gate_id)
    thread.join(timeout=30)
    response, _elapsed = answers[0]
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["commands"]] == [key]
    assert time.monotonic() - sent < 5  # woken through Redis, not at the end of the 20 s
    assert response.headers["Cache-Control"] == "no-store"


def test_an_idle_poll_answers_empty_after_its_wait(site, live_server):
    """No command: the poll holds for its 1 s wait and answers an empty list."""
    api = paired_agent(site)
    thread, answers = _poll_in_thread(live_server, api.token, 1)
    thread.join(timeout=30)
    response, elapsed = answers[0]
    assert response.status_code == 200
    assert response.json() == {"commands": [], "poll_wait": 25}
    assert 1.0 <= elapsed < 10


def test_the_wait_is_capped(site, live_server):
    """A poll asking to wait 100 s (or "nan", or "inf") is held XGM_AGENT_POLL_WAIT at most."""
    site.app.config["XGM_AGENT_POLL_WAIT"] = 1
    api = paired_agent(site)
    for wait in ("100", "nan", "inf", "-5", "soon"):
        thread, answers = _poll_in_thread(live_server, api.token, wait)
        thread.join(timeout=60)
        response, elapsed = answers[0]
        assert response.status_code == 200 and elapsed < 10, wait


def test_a_lost_wake_up_is_covered_by_the_periodic_look(site, live_server):
    """A command written with no Redis wake-up still reaches a waiting poll at its next look."""
    site.app.config["XGM_AGENT_RECHECK"] = 1
    api = paired_agent(site)
    thread, answers = _poll_in_thread(live_server, api.token, 20)
    _wait_for_waiting_poll(site.app)
    with site.app.app_context(), tenant_context(site.tenant_id):
        now = utcnow()
        row = GateCommand(
            gate_id=site.gate_id, created_at=now, expires_at=now + timedelta(seconds=10)
        )
        db.session.add(row)  # as if open_gate's publish had failed
        db.session.commit()
        key = row.key
    thread.join(timeout=30)
    response, elapsed = answers[0]
    assert [c["id"] for c in response.json()["commands"]] == [key]
    assert elapsed < 10


def test_the_poll_holds_no_database_connection_while_it_waits(site, live_server):
    """While polls wait, none of them has a pooled database connection checked out."""
    api = paired_agent(site)
    polls = [_poll_in_thread(live_server, api.token, 5) for _ in range(3)]
    with site.app.app_context():
        hub = get_wakeups()
        deadline = time.monotonic() + 15
        while hub.waiting() < 3:
            assert time.monotonic() < deadline, "the polls are not waiting"
            time.sleep(0.02)
        # Each poll makes its first query after registering; then it sleeps (5 s).
        settled = time.monotonic() + 2
        while db.engine.pool.checkedout() and time.monotonic() < settled:
            time.sleep(0.02)
        samples = []
        for _ in range(10):
            samples.append(db.engine.pool.checkedout())
            time.sleep(0.05)
    for thread, _answers in polls:
        thread.join(timeout=30)
    assert samples == [0] * 10
    assert all(answers[0][0].status_code == 200 for _thread, answers in polls)
