"""Login-flood benchmark: do 30 concurrent sign-ins (argon2) delay rider scans?

Run from the repository root (PostgreSQL and Redis up, wrk installed):

    .venv/bin/python bench/login_flood.py [--seconds 8] [--connections 24] [--logins 30]
                                          [--hash-threads 2] [--rounds 2] [--out FILE]

Like bench/scan.py: gunicorn with gevent workers, PostgreSQL, Redis and the city simulator on
loopback, riders signed in through the real OAuth round trip, each scan a new (rider, gate)
pair. Passwords are hashed with the production argon2 profile (RFC 9106 low memory: 64 MiB,
3 passes, 4 lanes). wrk runs of rider scans on disjoint pairs, in one server's lifetime, quiet
and flooded in turn (quiet, flood, quiet, flood, quiet with --rounds 2): during a flooded run
`--logins` threads sign the owner in again and again (GET /login for the CSRF token, POST the
right password). The figure is the median flooded scan p95 over the median quiet one (target:
at most 1.5x); alternating the runs keeps a shared machine's changing load out of the ratio. `--hash-threads 0` keeps argon2 on the event
loop, as before issue 11, to see what the thread pool is worth.
"""

from __future__ import annotations

import argparse
import os
import random
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

from scan import pct, wait_up, wrk  # noqa: E402
from scan_setup import (  # noqa: E402
    CSRF_RE,
    OWNER_EMAIL,
    OWNER_PASSWORD,
    build_world,
    create_database,
    drop_database,
    sign_in_riders,
)

from xgm.citysim.process import SimProcess, free_port  # noqa: E402

CLIENT_ID = "xgm-bench"
SECRET = "bench-city-secret"


class Flood:
    """`n` threads signing the owner in over and over until stopped; each sign-in timed."""

    def __init__(self, base: str, n: int) -> None:
        self.base, self.n = base, n
        self.times: list[float] = []
        self.failures = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(n)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            browser = requests.Session()
            try:
                page = browser.get(f"{self.base}/login", timeout=60)
                token = CSRF_RE.search(page.text).group(1)
                t0 = time.monotonic()
                answer = browser.post(
                    f"{self.base}/login",
                    data={"email": OWNER_EMAIL, "password": OWNER_PASSWORD, "csrf_token": token},
                    allow_redirects=False,
                    timeout=60,
                )
                elapsed = time.monotonic() - t0
                ok = answer.status_code == 302
            except (requests.RequestException, AttributeError):
                elapsed, ok = 0.0, False
            with self._lock:
                if ok:
                    self.times.append(elapsed)
                else:
                    self.failures += 1
            browser.close()


def main() -> int:
    """Set up, run the three scan runs, print the figures (and write them with --out)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--riders", type=int, default=600)
    parser.add_argument("--compounds", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=24)
    parser.add_argument("--logins", type=int, default=30, help="concurrent sign-in loops")
    parser.add_argument("--hash-threads", type=int, default=2, help="XGM_HASH_THREADS")
    parser.add_argument("--rounds", type=int, default=2, help="flooded runs, between quiet ones")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--redis-db", type=int, default=12)
    parser.add_argument("--out", help="also write the figures (markdown) to this file")
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    dbname = f"xgm_bench_login_{os.getpid()}"
    redis_url = f"redis://127.0.0.1:6379/{args.redis_db}"
    Redis.from_url(redis_url).flushdb()
    database_url = create_database(dbname)
    tmp = Path(tempfile.mkdtemp(prefix="xgm-bench-login-"))
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
        "XGM_ARGON2_PROFILE": "rfc9106_low_memory",  # production cost: the point of the bench
        "XGM_HASH_THREADS": str(args.hash_threads),
        "WEB_CONCURRENCY": str(args.workers),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
    }
    web = None
    try:
        sim.start()
        env["XGM_CITY_URL"] = sim.url
        from xgm import create_app
        from xgm.config import load_config

        world = build_world(create_app(load_config(ROOT / "instance", env)), args.compounds, 1)
        sim.control("POST", "/_sim/riders", {"count": args.riders, "prefix": "XGMFLOOD"})
        codes = [f"XGMFLOOD{n:06d}" for n in range(1, args.riders + 1)]
        web = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
            + ["-b", f"127.0.0.1:{port}", "scan_wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=open(tmp / "gunicorn.log", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
        )
        wait_up(f"{base}/_bench/ping")
        gates = world.gates
        cookies = sign_in_riders(base, gates[0][1], codes)
        warm = {code: gates[i % len(gates)] for i, code in enumerate(codes)}

        def first_scan(code: str) -> None:  # the city's word is cached 60 s from here
            requests.get(f"{base}/g/{warm[code][1]}", cookies={"xgm_rider": cookies[code]})

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(first_scan, codes))
        pairs = [(g, code) for code in codes for g in gates if g != warm[code]]
        random.Random(7).shuffle(pairs)
        runs = 2 * args.rounds + 1  # quiet, flood, quiet, flood, ..., quiet
        share = len(pairs) // runs
        files = []
        for k in range(runs):
            path = tmp / f"pairs-{k}.txt"
            chunk = pairs[k * share : (k + 1) * share]
            path.write_text("".join(f"{g[1]} {cookies[c]}\n" for g, c in chunk))
            files.append(path)

        def scans(pairs_file: Path) -> dict:
            return wrk(
                base,
                str(ROOT / "bench/scan.lua"),
                args.seconds,
                args.connections,
                args.wrk_threads,
                str(pairs_file),
                str(args.wrk_threads),
            )

        quiet, flooded, floods = [], [], []
        for k in range(runs):
            if k % 2 == 0:
                quiet.append(scans(files[k]))
                print(f"quiet: p95 {quiet[-1]['p95_us'] / 1000:.1f} ms", flush=True)
                continue
            flood = Flood(base, args.logins)
            flood.start()
            time.sleep(2)  # every sign-in loop is under way
            flooded.append(scans(files[k]))
            flood.stop()
            floods.append(flood)
            print(f"flood: p95 {flooded[-1]['p95_us'] / 1000:.1f} ms", flush=True)
        figures = report(args, quiet, flooded, floods)
        print(figures)
        if args.out:
            Path(args.out).write_text(figures)
        return 0
    finally:
        try:
            if web is not None:
                web.terminate()
                try:
                    web.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    web.kill()
                    web.wait(timeout=10)
        finally:
            sim.stop()
            drop_database(dbname)
            Redis.from_url(redis_url).flushdb()


def _rate(run: dict) -> float:
    return run["requests"] / run["duration_us"] * 1e6


def _errors(run: dict) -> int:
    return sum(run[k] for k in run if k.endswith("errors") or k == "timeouts")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def report(args, quiet: list[dict], flooded: list[dict], floods: list[Flood]) -> str:
    """The figures as a markdown section."""
    ms = 1000.0
    base_p95 = _median([r["p95_us"] for r in quiet])
    flood_p95 = _median([r["p95_us"] for r in flooded])
    times = [t for f in floods for t in f.times]
    failures = sum(f.failures for f in floods)

    def row(name: str, run: dict) -> str:
        return (
            f"| {name} | {run['requests']} scans, {_rate(run):.0f}/s ({_errors(run)} errors) | "
            f"{run['p50_us'] / ms:.1f} / {run['p95_us'] / ms:.1f} / {run['p99_us'] / ms:.1f} ms |"
        )

    rows = []
    for k in range(len(quiet) + len(flooded)):
        if k % 2 == 0:
            rows.append(row("quiet", quiet[k // 2]))
        else:
            rows.append(row(f"{args.logins} concurrent sign-ins", flooded[k // 2]))
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(
        [
            "## Login-flood benchmark (bench/login_flood.py)",
            "",
            f"Command: `.venv/bin/python bench/login_flood.py --seconds {args.seconds} "
            f"--connections {args.connections} --logins {args.logins} "
            f"--hash-threads {args.hash_threads} --rounds {args.rounds}`",
            f"Machine: {os.cpu_count()} cores, shared (load average {load} at the end); "
            f"gunicorn {args.workers} gevent workers; argon2 RFC 9106 low memory; "
            f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s per run.",
            "",
            "| run (in order) | throughput | scan p50 / p95 / p99 |",
            "|---|---|---|",
            *rows,
            "",
            f"Scan p95, median of the flooded runs / median of the quiet runs: "
            f"{flood_p95 / ms:.1f} / {base_p95 / ms:.1f} ms = **{flood_p95 / base_p95:.2f}x** "
            "(target <= 1.5x).",
            f"Sign-ins completed under the flood: {len(times)}, p50 / p95 "
            f"{pct(times, 50) * ms:.0f} / {pct(times, 95) * ms:.0f} ms, {failures} failed.",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
