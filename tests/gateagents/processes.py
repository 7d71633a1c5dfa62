"""Real processes for the end-to-end agent test: gunicorn (gevent) on the test database, the agent."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import REDIS_DB, REDIS_URL
from xgm.citysim.process import free_port

ROOT = Path(__file__).resolve().parents[2]


class WebServer:
    """`gunicorn -c gunicorn.conf.py wsgi:app` with gevent workers, on the tests' DB and Redis."""

    def __init__(self, database_url: str, log_path: Path, workers: int = 2) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "XGM_ARGON2_PROFILE": "owasp_minimum",
            "XGM_RATELIMIT_PREFIX": f"xgm-test-{REDIS_DB}",
            "XGM_PUBLIC_URL": self.url,
            "WEB_CONCURRENCY": str(workers),
            # No periodic database look: a poll answers early only when Redis wakes it.
            "XGM_AGENT_RECHECK": "60",
        }
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> WebServer:
        """Start gunicorn and wait until it answers."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
            + ["-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "wsgi:app"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    requests.get(self.url + "/login", timeout=10)
                    return self
                except requests.RequestException:
                    if self.process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(
                            f"gunicorn did not start (log: {self.log_path})"
                        ) from None
                    time.sleep(0.2)
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop gunicorn (its open long polls end with it)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_agent(args: list[str], log_path: Path) -> subprocess.Popen:
    """`python -m xgm.gateagent ARGS` with its log in a file."""
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "xgm.gateagent", *args],
        cwd=ROOT,
        stdout=log,
        stderr=log,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    log.close()
    return process


def stop_agent(process: subprocess.Popen) -> int:
    """SIGTERM the agent and return its exit status."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    return process.returncode
