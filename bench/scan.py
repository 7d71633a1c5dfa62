"""Scan benchmark: gunicorn (gevent) + PostgreSQL + Redis + the city simulator, over loopback.

Run from the repository root (PostgreSQL and Redis up, wrk installed):

    .venv/bin/python bench/scan.py [--seconds 20] [--connections 64] [--latency-connections 24]
                                   [--out FILE]

It signs in 1,000 simulated riders through the real OAuth round trip, enrolls 200 guard
phones (4 per compound, 50 compounds) and keeps their /guard/stream open, then measures with
wrk: the ceiling (a trivial endpoint of the same app, same server settings), and rider scans
(GET /g/<token> with a rider cookie, each a new (rider, gate) pair, so each one records an
arrival and pushes a card). Meanwhile probe riders scan at a steady rate and the open streams
time the scan-to-card latency. Every rider's card is warmed first (the city's word is cached
60 s); those first, city-asking scans are reported apart.

Two wrk runs measure scans: the capacity run (--connections, 64) saturates the server, so its
latency is mostly queueing (Little's law: connections / rate); the second run
(--latency-connections, 24) on fresh pairs gives the latency while the server still sustains
more than the 300 scans/s target. Both fit within the cards' 60 s cache at --seconds 20.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import requests
from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from procstat import backend_pids, children, cpu_seconds  # noqa: E402
from scan_setup import (  # noqa: E402
    PG_ADMIN,
    build_world,
    create_database,
    drop_database,
    guard_phones,
    sign_in_riders,
)
from scan_streams import Listeners, probe  # noqa: E402

from xgm.citysim.process import SimProcess, free_port  # noqa: E402

CLIENT_ID = "xgm-bench"
SECRET = "bench-city-secret"
PROBE_PREFIX = "XGMPROBE"


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of values, in the values' unit."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def wrk(url: str, script: str, seconds: int, connections: int, threads: int, *args) -> dict:
    """Run wrk and return the JSON its Lua done() prints."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", script, url, "--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON ") :])


def wait_up(url: str, timeout: float = 30.0) -> None:
    """Wait until the server answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if requests.get(url, timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.2)


def stand_in_for_autovacuum(dbname: str) -> None:
    """ANALYZE the database when the server runs without autovacuum (this machine's CI setting).

    The warm-up just wrote an arrival per rider; in production autovacuum measures a table
    after 50 changed rows (and every cached plan is replanned). Without it the month's
    partition stays unmeasured for the whole run, and the scan's prepared insert keeps
    whatever plan it got while the month was nearly empty on each connection."""
    with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname, autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "off":
            conn.execute("ANALYZE")
            print("autovacuum is off here: ANALYZE after the warm-up, as it would have", flush=True)


def main() -> int:
    """Set everything up, measure, print the figures (and write them with --out)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--riders", type=int, default=1000)
    parser.add_argument("--probe-riders", type=int, default=50)
    parser.add_argument("--compounds", type=int, default=50)
    parser.add_argument("--guards", type=int, default=4, help="phones per compound")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64, help="capacity run")
    parser.add_argument(
        "--latency-connections",
        type=int,
        default=24,
        help="second run, fewer connections: latency while still above the 300 scans/s target",
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--probe-rate", type=float, default=5.0)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument("--out", help="also write the figures (markdown) to this file")
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    dbname = f"xgm_bench_scan_{os.getpid()}"
    redis_url = f"redis://127.0.0.1:{args.redis_port}/{args.redis_db}"
    Redis.from_url(redis_url).flushdb()
    database_url = create_database(dbname)
    tmp = Path(tempfile.mkdtemp(prefix="xgm-bench-scan-"))
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
    web = None
    try:
        sim.start()
        env["XGM_CITY_URL"] = sim.url
        from xgm import create_app
        from xgm.config import load_config

        config = load_config(ROOT / "instance", env)
        world = build_world(create_app(config), args.compounds, args.guards)
        bulk = args.riders - args.probe_riders
        sim.control("POST", "/_sim/riders", {"count": bulk, "prefix": "XGMBENCH"})
        sim.control("POST", "/_sim/riders", {"count": args.probe_riders, "prefix": PROBE_PREFIX})
        codes = [f"XGMBENCH{n:06d}" for n in range(1, bulk + 1)]
        probe_codes = [f"{PROBE_PREFIX}{n:06d}" for n in range(1, args.probe_riders + 1)]

        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
            + ["-b", f"127.0.0.1:{port}", "scan_wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=open(tmp / "gunicorn.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_up(f"{base}/_bench/ping")
        t = time.monotonic()
        cookies = sign_in_riders(base, world.gates[0][1], codes + probe_codes)
        print(f"signed in {len(cookies)} riders in {time.monotonic() - t:.1f} s", flush=True)
        t = time.monotonic()
        phones = guard_phones(base, world)
        listeners = Listeners("127.0.0.1", port, [c for _, c in phones], PROBE_PREFIX.encode())
        listeners.start()
        print(f"{listeners.open} guard streams open ({time.monotonic() - t:.1f} s)", flush=True)

        ceiling = wrk(
            base + "/_bench/ping",
            str(ROOT / "bench/ping.lua"),
            args.seconds,
            args.connections,
            args.wrk_threads,
        )
        print(
            f"ceiling: {ceiling['requests'] / ceiling['duration_us'] * 1e6:.0f} req/s", flush=True
        )

        # Warm-up: every rider's first scan asks the city (then its card is cached 60 s).
        gates = world.gates
        warm = {code: gates[i % len(gates)] for i, code in enumerate(codes + probe_codes)}
        cold: list[float] = []
        lock = threading.Lock()

        def first_scan(code: str) -> None:
            t0 = time.monotonic()
            r = requests.get(
                f"{base}/g/{warm[code][1]}", cookies={"xgm_rider": cookies[code]}, timeout=30
            )
            if r.status_code == 200:
                with lock:
                    cold.append(time.monotonic() - t0)

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(first_scan, codes + probe_codes))

        stand_in_for_autovacuum(dbname)
        rng = random.Random(7)
        pairs = [(g, code) for code in codes for g in gates if g != warm[code]]
        rng.shuffle(pairs)
        # Two disjoint sets of (gate, rider) pairs, so the second run's scans are new too.
        half = len(pairs) // 2
        pairs_file, latency_pairs_file = tmp / "pairs.txt", tmp / "pairs-latency.txt"
        pairs_file.write_text("".join(f"{g[1]} {cookies[c]}\n" for g, c in pairs[:half]))
        latency_pairs_file.write_text("".join(f"{g[1]} {cookies[c]}\n" for g, c in pairs[half:]))
        probe_plan = [
            (g[1], g[0], c, cookies[c]) for c in probe_codes for g in gates if g != warm[c]
        ]
        rng.shuffle(probe_plan)

        probes: list = []
        prober = threading.Thread(
            target=lambda: probes.extend(
                probe("127.0.0.1", port, probe_plan, args.probe_rate, args.seconds - 1)
            ),
            daemon=True,
        )
        prober.start()
        usage = CpuUsage(web.pid, dbname)
        scans = wrk(
            base,
            str(ROOT / "bench/scan.lua"),
            args.seconds,
            args.connections,
            args.wrk_threads,
            str(pairs_file),
            str(args.wrk_threads),
        )
        usage.stop()
        prober.join()
        time.sleep(2)  # the last cards are on their way
        to_card = [listeners.seen[k] - t0 for k, t0, _ in probes if k in listeners.seen]
        at_load = wrk(
            base,
            str(ROOT / "bench/scan.lua"),
            args.seconds,
            args.latency_connections,
            args.wrk_threads,
            str(latency_pairs_file),
            str(args.wrk_threads),
        )
        time.sleep(6)  # the streams' buffered access-log rows are written every 5 s
        with psycopg.connect(PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname) as conn:
            viewings = conn.execute(
                "SELECT count(*), count(DISTINCT arrival_id) FROM rider_data_access"
            ).fetchone()
        figures = report(
            args, scans, at_load, ceiling, cold, probes, to_card, listeners, usage, viewings
        )
        print(figures)
        if args.out:
            Path(args.out).write_text(figures)
        return 0
    finally:
        try:
            if web is not None:
                web.terminate()  # open streams hold the workers up to gunicorn's graceful_timeout
                try:
                    web.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    web.kill()
                    web.wait(timeout=10)
        finally:
            sim.stop()
            drop_database(dbname)
            Redis.from_url(redis_url).flushdb()


class CpuUsage:
    """CPU used during the scan run by the gunicorn workers and by this database's PostgreSQL
    backends (short-lived backends are missed), and the machine's load average around it."""

    def __init__(self, master_pid: int, dbname: str) -> None:
        self.dbname = dbname
        self.workers = children(master_pid)
        self.load_before = os.getloadavg()
        self.backends = self._backends()
        self.start = {pid: cpu_seconds(pid) for pid in self.workers + self.backends}
        self.t0 = time.monotonic()

    def _backends(self) -> list[int]:
        return backend_pids(PG_ADMIN, self.dbname)

    def stop(self) -> None:
        """Take the figures at the end of the run."""
        self.seconds = time.monotonic() - self.t0
        self.load_after = os.getloadavg()
        pids = set(self.start) | set(self._backends())
        used = {pid: cpu_seconds(pid) - self.start.get(pid, 0.0) for pid in pids}
        self.web = sum(v for pid, v in used.items() if pid in self.workers)
        self.db = sum(v for pid, v in used.items() if pid not in self.workers and v > 0)


def _rate(run: dict) -> float:
    return run["requests"] / run["duration_us"] * 1e6


def _errors(run: dict) -> int:
    return sum(run[k] for k in run if k.endswith("errors") or k == "timeouts")


def _latency(run: dict) -> str:
    return " / ".join(f"{run[k] / 1000:.1f}" for k in ("p50_us", "p95_us", "p99_us")) + " ms"


def report(args, scans, at_load, ceiling, cold, probes, to_card, listeners, usage, viewings) -> str:
    """The figures as a markdown section."""
    rate = _rate(scans)
    ceiling_rate = ceiling["requests"] / ceiling["duration_us"] * 1e6
    ms = 1000.0
    lines = [
        "## Scan benchmark (bench/scan.py)",
        "",
        f"Command: `.venv/bin/python bench/scan.py --seconds {args.seconds} "
        f"--connections {args.connections} --latency-connections {args.latency_connections}`",
        f"Machine: {os.cpu_count()} cores, shared; gunicorn {args.workers} gevent workers; "
        f"PostgreSQL + Redis + city simulator on loopback; wrk -t{args.wrk_threads} "
        f"-c{args.connections} -d{args.seconds}s (capacity), then -c{args.latency_connections} "
        "on new (rider, gate) pairs (latency under load above the target rate).",
        f"Riders signed in: {args.riders}; guard streams open: {listeners.open} "
        f"({args.compounds} compounds x {args.guards} phones).",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        f"| scans per second, {args.connections} connections (sustained, {scans['requests']} "
        f"scans, {_errors(scans)} errors) | {rate:.0f} | >= 300 |",
        f"| scan latency p50 / p95 / p99 at {args.connections} connections | {_latency(scans)} | |",
        f"| scans per second, {args.latency_connections} connections ({at_load['requests']} "
        f"scans, {_errors(at_load)} errors) | {_rate(at_load):.0f} | >= 300 |",
        f"| scan latency p50 / p95 / p99 at {args.latency_connections} connections "
        f"| {_latency(at_load)} | p95 <= 100 ms |",
        f"| scan-to-card p50 / p95 ({len(to_card)} of {len(probes)} probe cards seen) "
        f"| {pct(to_card, 50) * ms:.1f} / {pct(to_card, 95) * ms:.1f} ms | p95 <= 500 ms |",
        f"| ceiling (trivial endpoint, same app and server, {args.connections} connections) "
        f"| {ceiling_rate:.0f} req/s | |",
        f"| scans / ceiling | {rate / ceiling_rate:.2f} | |",
        f"| first scan of a rider (asks the city) p50 / p95, 16 at a time "
        f"| {pct(cold, 50) * ms:.1f} / {pct(cold, 95) * ms:.1f} ms | |",
        f"| stream events received (all phones) | {listeners.events} | |",
        f"| access-log rows of cards the streams showed (arrivals) | {viewings[0]} "
        f"({viewings[1]}) | |",
        f"| CPU per scan: gunicorn workers / PostgreSQL backends "
        f"| {usage.web / scans['requests'] * ms:.2f} / {usage.db / scans['requests'] * ms:.2f} ms "
        f"({usage.web / usage.seconds:.2f} / {usage.db / usage.seconds:.2f} cores) | |",
        f"| load average (1 / 5 / 15 min) before / after the capacity run "
        f"| {' '.join(f'{x:.2f}' for x in usage.load_before)} / "
        f"{' '.join(f'{x:.2f}' for x in usage.load_after)} | |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
