"""Benchmark the dashboards on a large history (PostgreSQL).

Fills a fresh PostgreSQL database with 50 tenants, 500 compounds (1,000 gates), 2,000,000
arrivals over the last 180 days and ~6,700 complaints, bulk-loaded with INSERT ... SELECT
over generate_series (no row goes through Python). Then times, in-process through the real
app (routing, sign-in session, SQL, templates, SVG charts):

- the manager dashboard of one compound over 30 days: GET /dashboard?period=30d&compound=..
- the street observer's page over 30 days: GET /oversight?period=30d (20 compounds, 20 tenants)
- the county regulator's page over 30 days: GET /oversight/industry?period=30d (every
  compound of the county of those streets, across tenants)

Targets: median <= 300 ms, <= 800 ms and <= 800 ms. Run from the repository root:

    .venv/bin/python bench/dashboard.py [--keep] [--runs 30]
    .venv/bin/python bench/dashboard.py --large    # 20,000,000 arrivals over 365 days

`--large` loads 20,000,000 arrivals over the last 365 days (13 monthly partitions of the
partitioned `arrival` table, xgm/history), in chunks of 2,000,000 with the secondary indexes
built after the load (as a bulk import would), into its own database.

Needs PostgreSQL at XGM_BENCH_PG_ADMIN (default postgresql://postgres@127.0.0.1:5432/postgres)
and Redis (database 13 is flushed).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import Boolean, DateTime, Integer, String, Text, text  # noqa: E402

PG_ADMIN = os.environ.get("XGM_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "xgm_bench_dashboard"
REDIS_URL = "redis://127.0.0.1:6379/13"
PASSWORD = "bench-password-42"

TENANTS = 50
COMPOUNDS_PER_TENANT = 10
GATES_PER_COMPOUND = 2
ARRIVALS = 2_000_000
DAYS = 180
COMPLAINT_EVERY = 300  # one complaint per ~300 arrivals
#: Areas: 25 real streets of Hangzhou with 4 of their communities each (xgm.divisions).
#: Compound n (0..499) lies in community n % 100, of street n % 25, so each street has 20
#: compounds belonging to 20 different tenants.
STREETS = 25
COMMUNITIES = 100
#: The arrivals' column expressions over generate_series `s` joined to the gates `g`.
ARRIVAL_COLUMNS = {
    "pass_key": "substr(md5(s.i::text), 1, 24)",
    "tenant_id": "g.tenant_id",
    "compound_id": "g.compound_id",
    "gate_id": "g.id",
    "compound_name": "'小区'",
    "gate_name": "g.name",
    "rider_code": "'XGM' || lpad((s.i % 40000)::text, 12, '0')",
    "rider_name": "'骑手'",
    "rider_phone": "'13700000000'",
    "platform_code": "(ARRAY['meituan','eleme','dada','sf'])[1 + s.i % 4]",
    "platform_name": "(ARRAY['美团','饿了么','达达','顺丰同城'])[1 + s.i % 4]",
    "station": "'站点' || (s.i % 40000) / 400",
    "team": "'队' || (s.i % 40000) / 100",
    "rider_status": "'active'",
    "created_at": "s.at",
    "decided_at": "CASE WHEN s.r < 0.94 THEN s.at + s.wait END",
    "decided_by_name": "CASE WHEN s.r < 0.94 THEN '门卫' ELSE '' END",
    "outcome": (
        "CASE WHEN s.r < 0.90 THEN 'admitted' WHEN s.r < 0.94 THEN 'denied' "
        "WHEN s.r < 0.97 THEN 'refused' ELSE 'expired' END"
    ),
    "refusal": "CASE WHEN s.r >= 0.94 AND s.r < 0.97 THEN 'suspended' ELSE '' END",
    "reason": "CASE WHEN s.r >= 0.90 AND s.r < 0.94 THEN '未戴头盔' ELSE '' END",
}
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
KPI_RE = re.compile(r'kpi-label">([^<]+)</span><strong class="kpi-value">([^<]+)</strong>')


def admin(sql: str) -> None:
    """Run one statement on the PostgreSQL maintenance database."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def configure(large: bool) -> None:
    """--large: 20,000,000 arrivals over 365 days, in a database of its own."""
    global ARRIVALS, DAYS, DB_NAME
    if large:
        ARRIVALS, DAYS, DB_NAME = 20_000_000, 365, "xgm_bench_dashboard_large"


def db_url() -> str:
    """SQLAlchemy URL of the benchmark database."""
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{DB_NAME}"


def make_app():
    """The real app on the benchmark database (rate limits off, test argon2 cost)."""
    from xgm import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": db_url(),
            "REDIS_URL": REDIS_URL,
            "RATELIMIT_STORAGE_URI": REDIS_URL,
            "RATELIMIT_ENABLED": False,
            "XGM_ARGON2_PROFILE": "owasp_minimum",
            "SECRET_KEY": "bench-secret",
            "XGM_CITY_URL": "http://127.0.0.1:9",
            "XGM_REQUEST_LOG": False,
        }
    )


def filler(column, given: dict[str, str]) -> str:
    """SQL for one column of a bulk INSERT: the given expression, NULL, or a neutral value."""
    if column.name in given:
        return given[column.name]
    if column.nullable or column.primary_key:
        return "NULL"
    if isinstance(column.type, Boolean):
        return "false"
    if isinstance(column.type, Integer):
        return "0"
    if isinstance(column.type, DateTime):
        return "(now() at time zone 'utc')"
    if isinstance(column.type, String | Text):
        return "''"
    raise TypeError(f"no filler for {column}")


def insert_select(table, given: dict[str, str], source: str) -> str:
    """INSERT INTO table (every column but id) SELECT <expressions> FROM source."""
    columns = [c for c in table.columns if c.name != "id"]
    names = ", ".join(f'"{c.name}"' for c in columns)
    values = ", ".join(filler(c, given) for c in columns)
    # Every part is a constant of this script: no outside input reaches the SQL.
    return f'INSERT INTO "{table.name}" ({names}) SELECT {values} FROM {source}'  # noqa: S608


def bench_communities() -> list:
    """100 communities of Hangzhou: community c lies in the c % 25-th of 25 streets (the
    first streets, in code order, that have four communities)."""
    from xgm.divisions.catalog import catalog

    divisions = catalog()
    streets = [
        street
        for county in divisions.children("330100")
        for street in divisions.children(county.code)
        if len(divisions.children(street.code)) >= COMMUNITIES // STREETS
    ][:STREETS]
    per_street = [divisions.children(s.code)[: COMMUNITIES // STREETS] for s in streets]
    return [per_street[c % STREETS][c // STREETS] for c in range(COMMUNITIES)]


def load(app) -> dict:
    """Create the schema and bulk-load the data set; returns ids used by the timings."""
    from flask_migrate import upgrade

    from tenants import Tenant
    from tests.factories import make_uscc
    from xgm.accounts.models import User
    from xgm.accounts.passwords import hash_secret
    from xgm.complaints.models import Complaint
    from xgm.compounds.models import Compound, Gate
    from xgm.divisions.catalog import catalog
    from xgm.divisions.resolve import Placement, area_names
    from xgm.extensions import db
    from xgm.oversight.area import bind_observer
    from xgm.oversight.models import Observer
    from xgm.passes.models import Arrival

    with app.app_context():
        upgrade()
        db.create_all()
        t0 = time.perf_counter()
        db.session.add_all(
            Tenant(
                name=f"物业{n:02d}有限公司", uscc=make_uscc(), contact_name="张", contact_phone="1"
            )
            for n in range(TENANTS)
        )
        db.session.commit()
        conn = db.session.connection()
        # Compound n belongs to tenant n // 10 and lies in community n % 100 (street n % 25).
        communities = bench_communities()
        names = [area_names(catalog(), Placement(c)) for c in communities]
        conn.execute(
            text(
                insert_select(
                    Compound.__table__,
                    {
                        "tenant_id": "(SELECT id FROM tenant ORDER BY id OFFSET n / :per LIMIT 1)",
                        "name": "'小区' || n",
                        "division_code": "(CAST(:codes AS text[]))[1 + n % :communities]",
                        "district": "(CAST(:districts AS text[]))[1 + n % :communities]",
                        "street": "(CAST(:streets AS text[]))[1 + n % :communities]",
                        "community": "(CAST(:names AS text[]))[1 + n % :communities]",
                        "created_at": "(now() at time zone 'utc') - interval '400 days'",
                    },
                    "generate_series(0, :compounds - 1) AS n",
                )
            ),
            {
                "per": COMPOUNDS_PER_TENANT,
                "codes": [c.code for c in communities],
                "districts": [n[0] for n in names],
                "streets": [n[1] for n in names],
                "names": [n[2] for n in names],
                "communities": COMMUNITIES,
                "compounds": TENANTS * COMPOUNDS_PER_TENANT,
            },
        )
        conn.execute(
            text(
                insert_select(
                    Gate.__table__,
                    {
                        "tenant_id": "c.tenant_id",
                        "compound_id": "c.id",
                        "name": "'门' || k",
                        "active": "true",
                        "token": "md5(c.id || '-' || k)",
                        "token_version": "1",
                        "created_at": "(now() at time zone 'utc') - interval '400 days'",
                    },
                    "compound c CROSS JOIN generate_series(1, :gates) AS k",
                )
            ),
            {"gates": GATES_PER_COMPOUND},
        )
        db.session.commit()
        # The arrivals spread evenly over the gates and the last DAYS days, one partition per
        # month (created first, so no row waits in the default partition).
        t1 = time.perf_counter()
        conn = db.session.connection()
        from xgm.history import partitions
        from xgm.history.months import months

        now = datetime.utcnow()
        if partitions.supported(conn):
            for month in months(now - timedelta(days=DAYS + 1), now):
                partitions.create_month(conn, "arrival", month)
        secondary = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'arrival' "
                "AND indexname <> 'pk_arrival'"
            )
        ).all()
        for name, _definition in secondary:
            conn.execute(text(f'DROP INDEX "{name}"'))
        db.session.commit()
        chunk = min(ARRIVALS, 2_000_000)
        for first in range(1, ARRIVALS + 1, chunk):
            conn = db.session.connection()
            conn.execute(
                text(
                    insert_select(
                        Arrival.__table__,
                        ARRIVAL_COLUMNS,
                        """(
                            SELECT i, random() AS r,
                                   (now() at time zone 'utc') - random() * make_interval(days => :days) AS at,
                                   (2 + random() * random() * 120) * interval '1 second' AS wait
                            FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS i
                        ) AS s
                        JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS n, * FROM gate) AS g
                          ON g.n = s.i % :gates""",
                    )
                ),
                {
                    "first": first,
                    "last": min(ARRIVALS, first + chunk - 1),
                    "gates": TENANTS * COMPOUNDS_PER_TENANT * GATES_PER_COMPOUND,
                    "days": DAYS,
                },
            )
            db.session.commit()
            print(
                f"  arrivals {min(ARRIVALS, first + chunk - 1):,} ({time.perf_counter() - t1:.0f} s)"
            )
        conn = db.session.connection()
        for _name, definition in secondary:
            # A partitioned table's index reads "ON ONLY arrival": built on every partition here.
            conn.execute(text(definition.replace(" ON ONLY ", " ON ")))
        db.session.commit()
        print(f"  indexes rebuilt ({time.perf_counter() - t1:.0f} s)")
        conn = db.session.connection()
        conn.execute(
            text(
                insert_select(
                    Complaint.__table__,
                    {
                        "reference": "'BENCH-' || s.i",
                        "idempotency_key": "md5('k' || s.i)",
                        "tenant_id": "c.tenant_id",
                        "compound_id": "c.id",
                        "rider_code": "'XGM' || lpad((s.i % 40000)::text, 12, '0')",
                        "category": "'no_helmet'",
                        "description": "'未戴头盔'",
                        "occurred_at": "s.at",
                        "reporter_kind": "'guard'",
                        "status": (
                            "(ARRAY['received','forwarded','investigating','resolved','rejected',"
                            "'queued','failed'])[1 + s.i % 7]"
                        ),
                        "payload": "'{}'",
                        "created_at": "s.at",
                        "platform_name": "(ARRAY['美团','饿了么','达达','顺丰同城'])[1 + s.i % 4]",
                        "station": "'站点' || (s.i % 40000) / 400",
                        "team": "'队' || (s.i % 40000) / 100",
                        "answer_due_at": "s.at + interval '24 hours'",
                        "resolve_due_at": "s.at + interval '7 days'",
                        "answered_at": (
                            "CASE WHEN s.i % 7 IN (1, 2, 3, 4) THEN s.at + random() * interval "
                            "'30 hours' END"
                        ),
                        "closed_at": (
                            "CASE WHEN s.i % 7 IN (3, 4) THEN s.at + random() * interval "
                            "'9 days' END"
                        ),
                    },
                    """(
                        SELECT i, (now() at time zone 'utc') - random() * make_interval(days => :days) AS at
                        FROM generate_series(1, :complaints) AS i
                    ) AS s
                    JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS n, * FROM compound) AS c
                      ON c.n = s.i % :compounds""",
                )
            ),
            {
                "complaints": ARRIVALS // COMPLAINT_EVERY,
                "compounds": TENANTS * COMPOUNDS_PER_TENANT,
                "days": DAYS,
            },
        )
        db.session.commit()
        t2 = time.perf_counter()
        with db.engine.connect() as raw:
            raw.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        t3 = time.perf_counter()
        compound = db.session.execute(
            text("SELECT id, tenant_id FROM compound ORDER BY id LIMIT 1")
        ).one()
        tenant = db.session.get(Tenant, compound.tenant_id)
        from tenants import tenant_context

        with tenant_context(tenant.id):
            db.session.add(
                User(
                    email="manager@bench.example",
                    name="经理",
                    role="manager",
                    password_hash=hash_secret(PASSWORD),
                )
            )
            db.session.commit()
        observer = Observer(
            email="street@bench.example", name="街道办", password_hash=hash_secret(PASSWORD)
        )
        street = catalog().get(communities[0].parent)
        bind_observer(observer, street.code)
        db.session.add(observer)
        regulator = Observer(
            email="county@bench.example",
            name="区市场监管局",
            role="regulator",
            password_hash=hash_secret(PASSWORD),
        )
        county = catalog().get(street.parent)
        bind_observer(regulator, county.code)
        db.session.add(regulator)
        db.session.commit()
        counts = dict(
            db.session.execute(
                text(
                    "SELECT 'arrivals', count(*) FROM arrival UNION ALL "
                    "SELECT 'complaints', count(*) FROM complaint UNION ALL "
                    "SELECT 'compounds', count(*) FROM compound UNION ALL "
                    "SELECT 'street_compounds', count(*) FROM compound "
                    "WHERE division_code LIKE :street UNION ALL "
                    "SELECT 'county_compounds', count(*) FROM compound "
                    "WHERE division_code LIKE :county"
                ),
                {"street": street.prefix + "%", "county": county.prefix + "%"},
            ).all()
        )
    print(
        f"loaded: {counts} in {t2 - t0:.1f} s "
        f"(arrivals and complaints {t2 - t1:.1f} s), VACUUM ANALYZE {t3 - t2:.1f} s"
    )
    return {"compound_id": compound.id, "counts": counts}


def sign_in(app, email: str):
    """A test client signed in through the real /login form."""
    client = app.test_client()
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.status_code
    return client


def time_get(client, url: str, runs: int) -> tuple[list[float], str]:
    """Wall milliseconds of `runs` GETs (after 3 warm-up GETs), and the last page."""
    for _ in range(3):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return samples, response.get_data(as_text=True)


def summary(samples: list[float]) -> str:
    """median / p95 / min / max in ms."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * len(ordered))) - 1)]
    return (
        f"median {statistics.median(samples):.0f} ms, p95 {p95:.0f} ms, "
        f"min {ordered[0]:.0f} ms, max {ordered[-1]:.0f} ms"
    )


def main() -> int:
    """Load (unless --reuse), then time both pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database")
    parser.add_argument("--large", action="store_true", help="20,000,000 arrivals, 365 days")
    args = parser.parse_args()
    configure(args.large)

    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    if not args.reuse:
        admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{DB_NAME}"')
    app = make_app()
    try:
        if args.reuse:
            with app.app_context():
                from xgm.extensions import db

                compound_id = db.session.execute(
                    text("SELECT id FROM compound ORDER BY id LIMIT 1")
                ).scalar()
            info = {"compound_id": compound_id}
        else:
            info = load(app)
        manager = sign_in(app, "manager@bench.example")
        observer = sign_in(app, "street@bench.example")
        regulator = sign_in(app, "county@bench.example")
        results = {}
        for name, client, url in (
            (
                "manager, one compound, 30 days",
                manager,
                f"/dashboard?period=30d&compound={info['compound_id']}",
            ),
            ("manager, whole company (10 compounds), 30 days", manager, "/dashboard?period=30d"),
            (
                "street observer (20 compounds, 20 tenants), 30 days",
                observer,
                "/oversight?period=30d",
            ),
            (
                "county regulator's industry page (all its compounds and tenants), 30 days",
                regulator,
                "/oversight/industry?period=30d",
            ),
        ):
            samples, html = time_get(client, url, args.runs)
            kpis = dict(KPI_RE.findall(html))
            results[name] = samples
            print(f"{name}: {summary(samples)}  [{url}]  KPIs: {kpis}")
    finally:
        with app.app_context():
            from xgm.extensions import db

            db.session.remove()
            db.engine.dispose()
        if not args.keep:
            admin(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
