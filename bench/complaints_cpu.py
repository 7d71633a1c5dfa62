"""CPU per delivered complaint of one worker: less load-dependent than the wall figures.

Run from the repository root (PostgreSQL and redis-server available):

    .venv/bin/python bench/complaints_cpu.py [-n 1000] [--sqlite] [--profile out.pstats]
    .venv/bin/python bench/complaints_cpu.py --cachegrind [-n 200]

Same world as bench/complaints.py (own redis-server, a healthy simulator process, a throwaway
database). N complaints are filed with no worker running, then a worker process (`make_worker`,
the app factory and environment of `worker.py`, RQ logging at INFO to a file) works the
`complaints` queue in burst mode and reports the CPU time of the burst alone (start-up
excluded). Printed: worker CPU ms per complaint, PostgreSQL backend CPU per complaint, wall rate.

The machine is shared, so even CPU time moves with the load (caches, hyperthreads). With
--cachegrind the worker runs under `valgrind --tool=cachegrind` twice, on N/4 and then N more
complaints: (instructions of run 2 - run 1) / (3N/4) is the worker's instructions per complaint,
start-up cancelled out and independent of the load (slow: ~1 minute per 100 complaints).
--profile writes a cProfile (CPU clock) of the burst: .pstats.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import procstat  # noqa: E402


def burst_child(work: Path, profile: str | None, direct: bool) -> int:
    """In the worker process: build the app like worker.py, work the queue until it is empty.

    direct: no RQ; call the job function on each queued job's arguments (our code's share).
    """
    from rq.job import Job

    from xgm import create_app
    from xgm.complaints.jobs import deliver_complaint
    from xgm.queues import get_queue
    from xgm.queues.worker import make_worker

    app = create_app()
    worker = make_worker(app, ["complaints"])
    jobs = []
    if direct:
        with app.app_context():
            queue = get_queue("complaints")
            for job_id in queue.get_job_ids():
                job = Job.fetch(job_id, connection=queue.connection, serializer=queue.serializer)
                jobs.append(job.args)
            queue.empty()

    def run() -> None:
        if not direct:
            worker.work(burst=True, with_scheduler=False, logging_level="INFO")
            return
        for args in jobs:
            with app.app_context():
                deliver_complaint(*args)

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time, not wall
        profiler.enable()
    dbname = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    pg_name = None if os.environ["DATABASE_URL"].startswith("sqlite") else dbname
    db_cpu = backend_cpu(pg_name)
    cpu, wall = time.process_time(), time.perf_counter()
    with open(work / "worker.log", "a") as log, contextlib.redirect_stdout(log):
        run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # Measured while the worker's connections are still open (their backends then exit).
    db_cpu = backend_cpu(pg_name) - db_cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps({"cpu": cpu, "wall": wall, "db_cpu": db_cpu}))
    return 0


def backend_cpu(dbname: str | None) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to dbname (0 for SQLite)."""
    if not dbname:
        return 0.0
    from complaints import PG_ADMIN

    return procstat.backend_cpu(PG_ADMIN, dbname)


def run_burst(env: dict, work: Path, cachegrind: bool, profile: str | None, direct: bool) -> dict:
    """Run one burst worker process; returns its figures (and instructions under cachegrind)."""
    command = [sys.executable, __file__, "--burst-child", str(work)]
    if direct:
        command.append("--direct")
    if profile:
        command += ["--profile", profile]
    if cachegrind:
        command = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            "--cachegrind-out-file=/dev/null",
            *command,
        ]
    done = subprocess.run(
        command, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"burst worker failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    if cachegrind:
        refs = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        figures["instructions"] = int(refs.group(1).replace(",", ""))
    return figures


def main() -> int:
    """File backlogs, work them in a burst worker process, print CPU per complaint."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--cachegrind", action="store_true", help="count instructions (slow)")
    parser.add_argument("--profile", help="cProfile (CPU clock) of the burst to this .pstats")
    parser.add_argument(
        "--direct", action="store_true", help="no RQ: call the job function (our code only)"
    )
    parser.add_argument("--burst-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.burst_child:
        return burst_child(Path(args.burst_child), args.profile, args.direct)

    import psycopg
    import requests
    from complaints import CLIENT_ID, PG_ADMIN, SECRET, file_many, setup_site
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from tenants import tenant_context
    from tests.complaints.processes import RedisServer
    from xgm import create_app
    from xgm.citysim.process import SimProcess
    from xgm.complaints.models import Complaint
    from xgm.extensions import db

    work = Path(tempfile.mkdtemp(prefix="xgm-bench-complaints-cpu-"))
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
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis.url,
        "XGM_CITY_URL": sim.url,
        "XGM_CITY_CLIENT_ID": CLIENT_ID,
        "XGM_CITY_SECRET": SECRET,
        "SECRET_KEY": "bench",
    }
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "REDIS_URL": redis.url,
            "XGM_CITY_URL": sim.url,
            "XGM_CITY_CLIENT_ID": CLIENT_ID,
            "XGM_CITY_SECRET": SECRET,
            "SECRET_KEY": "bench",
        }
    )
    sizes = [max(1, args.n // 4), args.n] if args.cachegrind else [args.n]
    runs = []
    try:
        with app.app_context():
            upgrade()
            db.create_all()
        site = setup_site(app)
        codes = requests.post(
            sim.url + "/_sim/riders", json={"count": sum(sizes), "prefix": "XGMC"}, timeout=30
        ).json()["codes"]
        ids: list[int] = []
        for size in sizes:
            batch = codes[len(ids) : len(ids) + size]
            ids += file_many(app, site, batch, rate=None)
            figures = run_burst(env, work, args.cachegrind, args.profile, args.direct)
            figures["n"] = size
            runs.append(figures)
        with app.app_context(), tenant_context(site[0]):
            done = db.session.scalar(
                select(func.count(Complaint.id)).where(
                    Complaint.id.in_(ids), Complaint.status == "received"
                )
            )
        held = requests.get(sim.url + "/_sim/state", timeout=10).json()
    finally:
        sim.stop()
        redis.stop()
        with app.app_context():
            db.engine.dispose()
        if pg_name:
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    print(f"database: {'SQLite' if args.sqlite else 'PostgreSQL'}; load average: {os.getloadavg()}")
    print(
        f"received {done}/{len(ids)}; at the city {held['complaints']} / {held['distinct_references']}"
    )
    last = runs[-1]
    if args.cachegrind:
        first = runs[0]
        per = (last["instructions"] - first["instructions"]) / (last["n"] - first["n"])
        print(f"worker instructions per complaint: {per / 1e6:.2f} M")
    print(f"worker CPU per complaint: {last['cpu'] / last['n'] * 1000:.2f} ms")
    print(f"database backend CPU per complaint: {last['db_cpu'] / last['n'] * 1000:.2f} ms")
    print(f"wall: {last['n'] / last['wall']:.0f}/s ({last['wall']:.1f} s)")
    return 0 if done == len(ids) else 1


if __name__ == "__main__":
    sys.exit(main())
