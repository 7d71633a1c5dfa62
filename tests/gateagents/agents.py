"""Running the real agent loop (xgm.gateagent.runner) against the live test server in tests."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from xgm.gateagent.runner import Runner
from xgm.gateagent.server import ServerClient
from xgm.gateagent.state import AgentState


def wait_until(predicate, timeout: float = 20.0, message: str = "condition") -> None:
    """Poll `predicate` until it is true (generous timeout: a loaded 2-core machine)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {message}")


def make_runner(state_path: Path, server_url: str, token: str, adapter, **kwargs) -> Runner:
    """A Runner with credentials saved in a state file, polling 1 s at a time."""
    state = AgentState.load(state_path)
    state.server, state.token = server_url, token
    state.save()
    client = ServerClient(server_url, token, adapter.name)
    return Runner(client, adapter, state, wait=kwargs.pop("wait", 1.0), **kwargs)


class Background:
    """A Runner's loop in a thread; `stop()` ends it and re-raises what it raised."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.runner.run()
        except BaseException as exc:  # handed to the test by stop()
            self.error = exc

    def stop(self) -> None:
        """Stop after the current poll; raise what the loop raised, if anything."""
        self.runner.stopping = True
        self.thread.join(timeout=30)
        self.runner.server.close()
        assert not self.thread.is_alive(), "the agent loop did not stop"
        if self.error is not None:
            raise self.error
