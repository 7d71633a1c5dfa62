"""Benchmark the division catalog: its one-time load per process, its memory, its lookups.

Each cold figure comes from a fresh Python process (the catalog loads on first use, once per
process), the median of RUNS such processes: the wall time of the first lookup (reading and
indexing data/divisions.csv.gz), the memory it adds (resident set before and after), and the
same for the name index that free-text resolution builds on its first use. Then, in one warm
process: a children lookup, a free-text resolution, a name search, and GET /divisions through
the real app (routing, sign-in session, JSON). Targets: load <= 200 ms and <= 25 MB with the
name index; GET /divisions median <= 10 ms. Run from the repository root:

    .venv/bin/python bench/divisions.py

Uses an SQLite file under a temporary folder and Redis database 13 (flushed).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 7
WARM_RUNS = 2000
REDIS_URL = "redis://127.0.0.1:6379/13"

#: Runs in a fresh process: prints the cold figures as JSON.
COLD = """
import json, time
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096 / 1e6
from xgm.divisions import catalog as m
before = rss()
start = time.perf_counter()
divisions = m.catalog()
divisions.children("330122")
loaded = time.perf_counter()
after_load = rss()
divisions.named("城南街道")
indexed = time.perf_counter()
print(json.dumps({
    "load_ms": (loaded - start) * 1000,
    "load_mb": after_load - before,
    "names_ms": (indexed - loaded) * 1000,
    "names_mb": rss() - after_load,
    "rows": len(divisions.by_code),
}))
"""


def cold() -> dict:
    """Median cold figures over RUNS fresh processes."""
    samples = []
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", COLD], cwd=ROOT, capture_output=True, text=True, check=True
        )
        samples.append(json.loads(out.stdout))
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def per_call_us(fn, runs: int = WARM_RUNS) -> float:
    """Median of 5 batches: microseconds per call."""
    batches = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(runs):
            fn()
        batches.append((time.perf_counter() - start) / runs * 1e6)
    return statistics.median(batches)


def http_ms(runs: int = 200) -> float:
    """Median wall ms of GET /divisions?parent=330122 in-process, signed in as a manager."""
    from redis import Redis

    from tests.conftest import CSRF_RE
    from tests.factories import create_tenant, create_user
    from xgm import create_app
    from xgm.extensions import db

    Redis.from_url(REDIS_URL).flushdb()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3",
                "SECRET_KEY": "bench",
                "REDIS_URL": REDIS_URL,
                "RATELIMIT_STORAGE_URI": REDIS_URL,
                "XGM_ARGON2_PROFILE": "owasp_minimum",
            }
        )
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            create_user(create_tenant(), "manager", email="m@bench.example")
        client = app.test_client()
        token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
        from tests.factories import PASSWORD

        response = client.post(
            "/login", data={"email": "m@bench.example", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302, response.status_code
        for _ in range(5):
            assert client.get("/divisions?parent=330122").status_code == 200
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get("/divisions?parent=330122")
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        with app.app_context():
            db.engine.dispose()
    return statistics.median(samples)


def main() -> int:
    """Print the cold and warm figures."""
    figures = cold()
    print(
        f"catalog load (first lookup, fresh process, median of {RUNS}): "
        f"{figures['load_ms']:.0f} ms, +{figures['load_mb']:.1f} MB resident "
        f"({figures['rows']:,} divisions)"
    )
    print(
        f"name index (first free-text resolution): {figures['names_ms']:.0f} ms, "
        f"+{figures['names_mb']:.1f} MB; total +{figures['load_mb'] + figures['names_mb']:.1f} MB"
    )
    from xgm.divisions.catalog import catalog
    from xgm.divisions.resolve import place

    divisions = catalog()
    divisions.named("x")
    print(f"children of 桐庐县: {per_call_us(lambda: divisions.children('330122')):.1f} µs")
    print(
        "resolve 桐庐县/城南街道/江滨社区: "
        f"{per_call_us(lambda: place(divisions, '桐庐县', '城南街道', '江滨社区')):.1f} µs"
    )
    print(f"search 城南 (all levels): {per_call_us(lambda: divisions.search('城南'), 50):.0f} µs")
    print(f"GET /divisions?parent=330122, warm, median of 200: {http_ms():.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
