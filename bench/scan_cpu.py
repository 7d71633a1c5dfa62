"""CPU per scan, in-process: the app's own CPU and its PostgreSQL backend's, per request.

Run from the repository root (PostgreSQL and Redis up):

    .venv/bin/python bench/scan_cpu.py [--scans 2000] [--profile pyinstrument.html]

Builds the same world as bench/scan.py in a throwaway database, puts the riders' cards in the
status cache directly (no simulator: the city is not what is measured), then drives scans
through the WSGI app one at a time (each a new (rider, gate) pair, so each inserts an arrival
and publishes a card) and the trivial ping view, and prints CPU milliseconds per request:
the app process (time.process_time) and the PostgreSQL backends serving this database
(/proc/<pid>/stat). Wall time is printed too but depends on the machine's load; CPU much less.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from redis import Redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import procstat  # noqa: E402
from scan_setup import PG_ADMIN, build_world, create_database, drop_database  # noqa: E402


def backend_cpu(dbname: str) -> float:
    """CPU seconds used so far by the PostgreSQL backends connected to dbname."""
    return procstat.backend_cpu(PG_ADMIN, dbname)


def card(code: str) -> dict:
    """A cached city card of an active rider (RiderCard.to_dict() shape)."""
    return {
        "rider_code": code,
        "name": "张三",
        "phone": "13800000000",
        "photo_url": "http://127.0.0.1:5055/photos/x.jpg",
        "platform_code": "meituan",
        "platform_name": "美团",
        "station": "桐庐站",
        "team": "一队",
        "supervision_phone": "0571-88888888",
        "status": "active",
        "valid_until": None,
        "updated_at": "2026-11-28T00:00:00+08:00",
    }


def measure(client, dbname: str, requests: list[tuple[str, dict]]) -> tuple[float, float, float]:
    """(app CPU ms, backend CPU ms, wall ms) per request over the list."""
    pg0, cpu0, wall0 = backend_cpu(dbname), time.process_time(), time.perf_counter()
    for path, headers in requests:
        response = client.get(path, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
        if path.startswith("/g/") and b'id="pass"' not in response.data:
            title = response.data.split(b"<title>", 1)[-1][:80].decode("utf-8", "replace")
            raise RuntimeError(f"{path}: not a live pass: {title}")
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    pg = backend_cpu(dbname) - pg0
    n = len(requests)
    return cpu / n * 1000, pg / n * 1000, wall / n * 1000


def count_work(app, client, dbname: str, scans: list, ping: list) -> dict:
    """Machine-independent figures per request: Python function calls, SQL statements, pool
    checkouts, Redis commands sent (pipelines count once)."""
    import cProfile
    import pstats

    from redis.connection import Connection
    from sqlalchemy import event

    from xgm.extensions import db

    tally = {"sql": 0, "checkouts": 0, "redis": 0}

    def on_sql(*_args, **_kw):
        tally["sql"] += 1

    def on_checkout(*_args, **_kw):
        tally["checkouts"] += 1

    send = Connection.send_packed_command

    def counted_send(self, command, check_health=True):
        tally["redis"] += 1
        return send(self, command, check_health)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_sql)
    event.listen(engine.pool, "checkout", on_checkout)
    Connection.send_packed_command = counted_send
    out = {}
    try:
        for label, requests in (("ping", ping), ("scan", scans)):
            for key in tally:
                tally[key] = 0
            profiler = cProfile.Profile()
            profiler.enable()
            measure(client, dbname, requests)
            profiler.disable()
            calls = pstats.Stats(profiler).total_calls
            n = len(requests)
            out[label] = {"python calls": calls / n, **{k: v / n for k, v in tally.items()}}
    finally:
        Connection.send_packed_command = send
        event.remove(engine, "before_cursor_execute", on_sql)
        event.remove(engine.pool, "checkout", on_checkout)
    return out


def main() -> int:
    """Build the world, warm up, measure ping and scans, optionally profile the scans."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=2000)
    parser.add_argument("--riders", type=int, default=200)
    parser.add_argument("--compounds", type=int, default=50)
    parser.add_argument("--batches", type=int, default=8)
    parser.add_argument(
        "--count", type=int, default=0, help="count calls, SQL and Redis commands over N scans"
    )
    parser.add_argument("--redis-db", type=int, default=11)
    parser.add_argument("--redis-port", type=int, default=6379)
    parser.add_argument(
        "--profile",
        help="profile the scans into this file: pyinstrument (.html, .txt) or cProfile (.pstats)",
    )
    args = parser.parse_args()

    dbname = f"xgm_bench_cpu_{os.getpid()}"
    redis_url = f"redis://127.0.0.1:{args.redis_port}/{args.redis_db}"
    redis = Redis.from_url(redis_url)
    redis.flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": create_database(dbname),
        "REDIS_URL": redis_url,
        "SECRET_KEY": "bench-secret-key",
        "XGM_ARGON2_PROFILE": "owasp_minimum",
    }
    os.environ.update(env)
    try:
        from xgm import create_app
        from xgm.config import load_config
        from xgm.riders.city import CARD_KEY

        config = load_config(ROOT / "instance", env)
        world = build_world(create_app(config), args.compounds, 0)
        import scan_wsgi

        app = scan_wsgi.app
        codes = [f"XGMCPU{n:06d}" for n in range(args.riders)]
        pipe = redis.pipeline()
        for code in codes:
            pipe.set(CARD_KEY + code, json.dumps(card(code), ensure_ascii=False), ex=3600)
        pipe.execute()
        from xgm.riders.cookie import set_rider_cookie
        from xgm.riders.notice import remember_notice

        cookies = {}
        with app.test_request_context():
            from flask import make_response

            read = make_response("")  # every rider has read the company's privacy notice
            remember_notice(read, world.tenant_id)
            notice = read.headers["Set-Cookie"].split(";", 1)[0]
            for code in codes:
                response = make_response("")
                set_rider_cookie(response, code)
                raw = response.headers["Set-Cookie"].split(";", 1)[0]
                cookies[code] = {"Cookie": f"{raw}; {notice}"}
        pairs = [(g[1], c) for c in codes for g in world.gates]
        scans = [(f"/g/{token}", cookies[code]) for token, code in pairs]
        client = app.test_client(use_cookies=False)
        ping = [("/_bench/ping", {})] * 2000
        measure(client, dbname, ping[:200])
        measure(client, dbname, scans[:200])  # warm-up (imports, template compile, pool)
        scans = scans[200 : 200 + args.scans]
        if args.count:
            counts = count_work(app, client, dbname, scans[: args.count], ping[: args.count])
            for label, figures in counts.items():
                print(label + ": " + ", ".join(f"{k} {v:.1f}" for k, v in figures.items()))
        elif args.profile and args.profile.endswith(".pstats"):
            import cProfile

            for label, requests in (("", scans), (".ping", ping[: len(scans)])):
                profiler = cProfile.Profile()
                profiler.enable()
                measure(client, dbname, requests)
                profiler.disable()
                profiler.dump_stats(args.profile.replace(".pstats", label + ".pstats"))
        elif args.profile:
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0005)
            profiler.start()
            measure(client, dbname, scans)
            profiler.stop()
            if args.profile.endswith(".html"):
                Path(args.profile).write_text(profiler.output_html())
            else:
                Path(args.profile).write_text(profiler.output_text(color=False, unicode=True))
        else:
            # Batches of ping and scans in turn; the least CPU per batch is the figure (other
            # processes on a shared machine only ever add to it).
            batch = max(1, len(scans) // args.batches)
            pings, runs = [], []
            for k in range(args.batches):
                pings.append(measure(client, dbname, ping[:batch]))
                runs.append(measure(client, dbname, scans[k * batch : (k + 1) * batch]))
            load = os.getloadavg()
            print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
            for label, rows in (("ping", pings), (f"scan ({batch} x {args.batches})", runs)):
                cpu, pg, wall = (min(r[i] for r in rows) for i in range(3))
                median = sorted(r[0] for r in rows)[len(rows) // 2]
                print(
                    f"{label}: app CPU min {cpu:.3f} ms (median {median:.3f}), "
                    f"PostgreSQL min {pg:.3f} ms, wall min {wall:.3f} ms"
                )
        from xgm.extensions import db

        with app.app_context():
            db.engine.dispose()
        return 0
    finally:
        drop_database(dbname)
        redis.flushdb()


if __name__ == "__main__":
    sys.exit(main())
