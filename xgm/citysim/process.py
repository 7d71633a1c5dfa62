"""Run the simulator as a separate process (tests, benchmarks) and drive its controls."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import requests

from xgm.citysim.app import DEFAULTS, settings_from_env

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SimProcess:
    """A `python -m xgm.citysim` child process on its own port (settings default as the app's)."""

    def __init__(
        self,
        *,
        client_id: str | None = None,
        secret: str | None = None,
        public_url: str | None = None,
        port: int | None = None,
        env: dict[str, str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        parent = settings_from_env(defaults=None)
        self.env = {
            **parent,
            "CITYSIM_PORT": str(self.port),
            "XGM_CITY_CLIENT_ID": client_id or DEFAULTS["XGM_CITY_CLIENT_ID"],
            "XGM_CITY_SECRET": secret or DEFAULTS["XGM_CITY_SECRET"],
            "XGM_PUBLIC_URL": public_url or DEFAULTS["XGM_PUBLIC_URL"],
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), parent.get("PYTHONPATH")])),
            **(env or {}),
        }
        self.log_path = log_path
        self._log: IO[bytes] | None = None
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 15.0) -> SimProcess:
        """Start the process and wait until it answers."""
        self._log = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115
        output = self._log or subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xgm.citysim"],
            cwd=ROOT,
            env=self.env,
            stdout=output,
            stderr=output,
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.get(self.url + "/_sim/state", timeout=1)
                return self
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"city simulator did not start (log: {self.log_path})"
                    ) from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Terminate the process (kill it if it lingers)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def control(self, method: str, path: str, json: Any = None) -> dict[str, Any]:
        """Call a /_sim control and return its JSON answer (raises on HTTP errors)."""
        response = requests.request(method, self.url + path, json=json, timeout=30)
        response.raise_for_status()
        return response.json()

    def __enter__(self) -> SimProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
