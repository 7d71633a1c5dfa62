"""Real processes for the fault test and the benchmark: a private redis-server and RQ workers."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from xgm.citysim.process import free_port

ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    """A redis-server of our own on a free port, without persistence: a restart loses everything."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 10.0) -> "RedisServer":
        """Start redis-server and wait until it answers PING."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "redis.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=log,
        )
        log.close()
        client = Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                client.close()
                return self
            except RedisConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop redis-server (SIGTERM, then SIGKILL) and wait for it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


class WorkerProcess:
    """`python worker.py` in its own process group (so a kill takes its scheduler child too)."""

    def __init__(self, env: dict[str, str], log_path: Path, queues: tuple[str, ...] = ()) -> None:
        self.env = {**os.environ, **env}
        self.log_path = log_path
        self.queues = queues
        self.process: subprocess.Popen | None = None

    def start(self) -> "WorkerProcess":
        """Start the worker (returns at once)."""
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "worker.py", *self.queues],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        log.close()
        return self

    @property
    def alive(self) -> bool:
        """True while the worker process runs."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (worker and scheduler), no cleanup at all."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop the worker's process group: SIGTERM (warm shutdown), SIGKILL if it lingers."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError):  # the scheduler may outlive the worker
            os.killpg(self.process.pid, signal.SIGKILL)
