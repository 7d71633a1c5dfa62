"""Automatic admission benchmark: a rider's scan to the open command in the gate agent's poll.

Run from the repository root (PostgreSQL and Redis up):

    .venv/bin/python bench/auto_admit.py [--gates 20] [--scans 400] [--rate 10] [--workers 2]

gunicorn (gevent, the production settings) on a fresh PostgreSQL database, the city simulator,
`--gates` auto-admit gates each with a paired agent holding its long poll (`GET
/api/agent/commands?wait=25`, the agent's own protocol, one thread per agent that claims and
reports each command as the real agent does). Signed-in riders (their cards warmed) then scan
at `--rate` scans per second, spread over the gates, each scan a new (rider, gate) pair, so each
one is admitted automatically and sends an open command. Measured per scan: from sending the
scan request to the agent's poll answer carrying the command (the target: p95 <= 300 ms), and
the scan's own response time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scan import pct, wait_up  # noqa: E402
from scan_setup import build_world, create_database, drop_database, sign_in_riders  # noqa: E402

from xgm.citysim.process import SimProcess, free_port  # noqa: E402

CLIENT_ID = "xgm-bench"
SECRET = "bench-city-secret"


class Agent(threading.Thread):
    """One gate agent's poll loop: note when each command arrives, claim it, report opened."""

    def __init__(self, base: str, token: str):
        super().__init__(daemon=True)
        self.base = base
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"Bearer {token}",
                "X-Agent-Version": "bench",
                "X-Agent-Adapter": "http-relay",
            }
        )
        self.arrived = threading.Condition()
        self.received: list[float] = []  # monotonic arrival time of each command, in order
        self.seen: set[str] = set()
        self.stop = threading.Event()

    def run(self) -> None:
        api = f"{self.base}/api/agent/commands"
        while not self.stop.is_set():
            try:
                answer = self.session.get(f"{api}?wait=25", timeout=40)
            except requests.RequestException:
                time.sleep(0.2)
                continue
            now = time.monotonic()
            fresh = [c for c in answer.json().get("commands", []) if c["id"] not in self.seen]
            if fresh:
                with self.arrived:
                    for command in fresh:
                        self.seen.add(command["id"])
                        self.received.append(now)
                    self.arrived.notify_all()
            for command in fresh:
                self.session.post(f"{api}/{command['id']}/claim", timeout=10)
                self.session.post(
                    f"{api}/{command['id']}/result",
                    json={"outcome": "opened", "answer": "bench relay: pulsed"},
                    timeout=10,
                )

    def wait_for(self, count: int, timeout: float = 10.0) -> float | None:
        """The arrival time of the count-th command (1-based), or None after the timeout."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.arrived.wait(left)
            return self.received[count - 1]


def pair_agents(app, world) -> list[str]:
    """An agent paired with every gate, and every gate set to admit automatically."""
    from sqlalchemy import update

    from tenants import tenant_context
    from xgm.compounds.models import Gate
    from xgm.extensions import db
    from xgm.gateagents.pairing import create_code, pair

    tokens = []
    with app.test_request_context(), tenant_context(world.tenant_id):
        db.session.execute(update(Gate).values(auto_admit=True))
        db.session.commit()
        for gate_id, _token, _compound in world.gates:
            gate = db.session.get(Gate, gate_id)
            _row, code = create_code(gate)
            _agent, token = pair(code, name=f"{gate.name}开闸器", version="bench", adapter="relay")
            tokens.append(token)
        db.engine.dispose()
    return tokens


def main() -> int:
    """Set up, scan at a steady rate, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=20)
    parser.add_argument("--scans", type=int, default=400)
    parser.add_argument("--rate", type=float, default=10.0, help="scans per second")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--redis-db", type=int, default=13)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    dbname = f"xgm_bench_auto_{os.getpid()}"
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    Redis.from_url(redis_url).flushdb()
    database_url = create_database(dbname)
    tmp = Path(tempfile.mkdtemp(prefix="xgm-bench-auto-"))
    sim = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=base,
        env={"CITYSIM_WEBHOOKS": "0"},
        log_path=tmp / "citysim.log",
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-secret-key-" + os.urandom(8).hex(),
        "XGM_PUBLIC_URL": base,
        "XGM_CITY_CLIENT_ID": CLIENT_ID,
        "XGM_CITY_SECRET": SECRET,
        "XGM_ARGON2_PROFILE": "owasp_minimum",
        "WEB_CONCURRENCY": str(args.workers),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    }
    riders = args.scans // (args.gates - 1) + 2
    web = None
    agents: list[Agent] = []
    try:
        sim.start()
        env["XGM_CITY_URL"] = sim.url
        from xgm import create_app
        from xgm.config import load_config

        app = create_app(load_config(ROOT / "instance", env))
        world = build_world(app, args.gates, 0)
        tokens = pair_agents(app, world)
        sim.control("POST", "/_sim/riders", {"count": riders, "prefix": "XGMAUTO"})
        codes = [f"XGMAUTO{n:06d}" for n in range(1, riders + 1)]
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
            + ["-b", f"127.0.0.1:{port}", "scan_wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=open(tmp / "gunicorn.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_up(f"{base}/_bench/ping", 120)
        agents = [Agent(base, token) for token in tokens]
        for agent in agents:
            agent.start()
        cookies = sign_in_riders(base, world.gates[0][1], codes)
        gates = world.gates
        # Warm-up: each rider's first scan (at the first gate) asks the city, then its card is
        # cached; it is admitted automatically too, so the first agent sees those commands.
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda code: requests.get(
                        f"{base}/g/{gates[0][1]}", cookies={"xgm_rider": cookies[code]}, timeout=30
                    ),
                    codes,
                )
            )
        time.sleep(2)
        counts = [len(a.received) for a in agents]
        plan = []  # (gate index, rider): every pair new, round-robin over the other gates
        for n in range(args.scans):
            g = 1 + n % (len(gates) - 1)
            plan.append((g, codes[n // (len(gates) - 1)]))
        to_agent: list[float] = []
        responses: list[float] = []
        errors = 0
        lock = threading.Lock()

        def one(g: int, code: str, expect: int) -> None:
            nonlocal errors
            t0 = time.monotonic()
            r = requests.get(
                f"{base}/g/{gates[g][1]}", cookies={"xgm_rider": cookies[code]}, timeout=30
            )
            t1 = time.monotonic()
            got = agents[g].wait_for(expect)
            with lock:
                if r.status_code != 200 or 'data-outcome="admitted"' not in r.text or got is None:
                    errors += 1
                    return
                responses.append(t1 - t0)
                to_agent.append(got - t0)

        interval = 1.0 / args.rate
        start = time.monotonic()
        threads = []
        for n, (g, code) in enumerate(plan):
            counts[g] += 1
            delay = start + n * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            thread = threading.Thread(target=one, args=(g, code, counts[g]), daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(timeout=40)
        ms = 1000.0
        print(f"scans: {len(plan)} at {args.rate:g}/s over {len(gates) - 1} gates, errors {errors}")
        print(
            "scan -> open command received by the agent: p50 / p95 / p99 "
            f"{pct(to_agent, 50) * ms:.0f} / {pct(to_agent, 95) * ms:.0f} / "
            f"{pct(to_agent, 99) * ms:.0f} ms (target p95 <= 300 ms)"
        )
        print(
            "scan response (pass already 已放行): p50 / p95 "
            f"{pct(responses, 50) * ms:.0f} / {pct(responses, 95) * ms:.0f} ms"
        )
        return 0 if errors == 0 and pct(to_agent, 95) <= 0.3 else 1
    finally:
        for agent in agents:
            agent.stop.set()
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        sim.stop()
        drop_database(dbname)


if __name__ == "__main__":
    sys.exit(main())
