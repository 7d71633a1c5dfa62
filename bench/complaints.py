"""Benchmark complaint delivery: filing -> received latency and complaints/s of ONE worker.

Run from the repository root: ``.venv/bin/python bench/complaints.py [--sqlite] [-n 1000]``.
Starts its own redis-server (free port), a healthy city simulator process, a throwaway
PostgreSQL database (or a SQLite file with --sqlite) and one ``python worker.py complaints``.

1. Throughput: N complaints are filed while the worker is stopped, then the worker starts;
   complaints/s = N / (time from worker start to the last `received`).
2. Latency: with the worker running, complaints are filed at a steady rate below capacity;
   latency = received_at - created_at per complaint, p50/p95/max.

Targets (issue 6): p95 <= 2 s, >= 50 complaints/s per worker.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
import requests  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from procstat import cpu_seconds  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from tenants import Tenant, tenant_context, utcnow  # noqa: E402
from tests.complaints.processes import RedisServer, WorkerProcess  # noqa: E402
from xgm import create_app  # noqa: E402
from xgm.citysim.process import SimProcess  # noqa: E402
from xgm.complaints.filing import Draft, file_complaint  # noqa: E402
from xgm.complaints.models import Complaint  # noqa: E402
from xgm.compounds.models import Compound, Gate  # noqa: E402
from xgm.extensions import db  # noqa: E402

CLIENT_ID, SECRET = "xgm-bench", "bench-secret"
PG_ADMIN = os.environ.get("XGM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered)) - 1))]


def setup_site(app) -> tuple[int, int, int]:
    """A company with one compound and gate; returns (tenant_id, compound_id, gate_id)."""
    with app.app_context():
        tenant = Tenant(
            name="基准测试物业有限公司",
            uscc="91330122MA2B3C4D5J",
            contact_name="李经理",
            contact_phone="13900002222",
        )
        db.session.add(tenant)
        db.session.commit()
        with tenant_context(tenant.id):
            compound = Compound(name="阳光花园", address="桐庐县迎春南路1号")
            db.session.add(compound)
            db.session.flush()
            gate = Gate(compound_id=compound.id, name="东门")
            db.session.add(gate)
            db.session.commit()
            return tenant.id, compound.id, gate.id


def file_many(app, site, codes: list[str], rate: float | None) -> list[int]:
    """File one complaint per rider code (at `rate` per second, or as fast as possible)."""
    tenant_id, compound_id, gate_id = site
    ids = []
    start = time.perf_counter()
    with app.test_request_context(), tenant_context(tenant_id):
        compound = db.session.scalars(select(Compound).where(Compound.id == compound_id)).one()
        gate = db.session.scalars(select(Gate).where(Gate.id == gate_id)).one()
        for index, code in enumerate(codes):
            if rate:
                delay = start + index / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
            draft = Draft(
                compound=compound,
                gate=gate,
                rider_code=code,
                category="unsafe_riding",
                description=f"基准测试投诉 {index}",
                occurred_at=utcnow() - timedelta(minutes=1),
                reporter_kind="manager",
                reporter_id=None,
                reporter_name="李经理",
                reporter_phone="13900002222",
            )
            ids.append(file_complaint(draft).id)
    return ids


def wait_received(app, tenant_id: int, ids: list[int], timeout: float) -> list[Complaint]:
    """Wait until every complaint is received; return them (detached)."""
    deadline = time.monotonic() + timeout
    with app.app_context(), tenant_context(tenant_id):
        while True:
            done = db.session.scalar(
                select(func.count(Complaint.id)).where(
                    Complaint.id.in_(ids), Complaint.status == "received"
                )
            )
            if done == len(ids) or time.monotonic() > deadline:
                break
            db.session.rollback()
            time.sleep(0.1)
        rows = db.session.scalars(select(Complaint).where(Complaint.id.in_(ids))).all()
        db.session.expunge_all()
    if done != len(ids):
        raise SystemExit(f"only {done} of {len(ids)} received within {timeout} s")
    return list(rows)


def main() -> int:
    """Run both measurements and print the figures as Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000, help="complaints for the throughput run")
    parser.add_argument("--latency-n", type=int, default=300)
    parser.add_argument("--rate", type=float, default=25.0, help="filings/s in the latency run")
    parser.add_argument("--sqlite", action="store_true", help="SQLite file instead of PostgreSQL")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="xgm-bench-complaints-"))
    if args.sqlite:
        database_url, pg_name = f"sqlite:///{work / 'bench.sqlite3'}", None
    else:
        pg_name = f"xgm_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{pg_name}"
    redis = RedisServer(work / "redis").start()
    sim = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        env={"CITYSIM_WEBHOOKS": "0"},
        log_path=work / "citysim.log",
    ).start()
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis.url,
        "XGM_CITY_URL": sim.url,
        "XGM_CITY_CLIENT_ID": CLIENT_ID,
        "XGM_CITY_SECRET": SECRET,
        "SECRET_KEY": "bench",
    }
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "XGM_CITY_URL": sim.url,
        "XGM_CITY_CLIENT_ID": CLIENT_ID,
        "XGM_CITY_SECRET": SECRET,
        "SECRET_KEY": "bench",
    }
    app = create_app(config)
    worker = None
    try:
        with app.app_context():
            upgrade()
            db.create_all()  # tables whose migration is not written yet
        site = setup_site(app)
        total = args.n + args.latency_n
        codes = requests.post(
            sim.url + "/_sim/riders", json={"count": total, "prefix": "XGMB"}, timeout=30
        ).json()["codes"]

        backlog = file_many(app, site, codes[: args.n], rate=None)
        started = utcnow()
        worker = WorkerProcess(env, work / "worker.log", ("complaints",)).start()
        sim_cpu = cpu_seconds(sim.process.pid)
        rows = wait_received(app, site[0], backlog, timeout=600)
        worker_cpu = cpu_seconds(worker.process.pid)
        sim_cpu = cpu_seconds(sim.process.pid) - sim_cpu
        last = max(r.received_at for r in rows)
        # The first delivery marks when the worker was up (process start, imports, app).
        first = min(r.received_at for r in rows)
        throughput = len(rows) / (last - first).total_seconds()
        with_startup = len(rows) / (last - started).total_seconds()

        steady = file_many(app, site, codes[args.n :], rate=args.rate)
        rows = wait_received(app, site[0], steady, timeout=300)
        latencies = [(r.received_at - r.created_at).total_seconds() for r in rows]
        held = requests.get(sim.url + "/_sim/state", timeout=10).json()
    finally:
        if worker is not None:
            worker.stop()
        sim.stop()
        redis.stop()
        with app.app_context():
            db.engine.dispose()
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    database = "SQLite" if args.sqlite else "PostgreSQL"
    print(
        f"## Complaint delivery, one worker, healthy simulator ({database}, {os.cpu_count()} CPUs)"
    )
    print()
    print("| measure | value | target |")
    print("|---|---|---|")
    print(f"| delivered per second (backlog of {args.n}) | {throughput:.0f}/s | >= 50/s |")
    print(f"| same, counting worker start-up | {with_startup:.0f}/s | |")
    print(
        f"| worker CPU per complaint (start-up included) | {worker_cpu / args.n * 1000:.1f} ms | |"
    )
    print(f"| simulator CPU per complaint | {sim_cpu / args.n * 1000:.1f} ms | |")
    print(
        f"| filing -> received p50 ({args.latency_n} at {args.rate:g}/s) | "
        f"{statistics.median(latencies) * 1000:.0f} ms | |"
    )
    print(f"| filing -> received p95 | {percentile(latencies, 95) * 1000:.0f} ms | <= 2000 ms |")
    print(f"| filing -> received max | {max(latencies) * 1000:.0f} ms | |")
    print(
        f"| complaints at the city / distinct references | {held['complaints']} / "
        f"{held['distinct_references']} | {total} / {total} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
