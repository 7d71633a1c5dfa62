"""XGM_DATABASE_REPLICA_URL: dashboards, oversight and exports read a streaming replica.

The test makes its own primary (initdb on a free port, replication allowed) and a streaming
replica of it (pg_basebackup -R into a temporary cluster on another free port), migrates the
primary, then pauses the replica's WAL replay: rows written on the primary after that are
missing from exactly the pages that read the replica, until replay resumes.
"""

import csv
import io
import re
import time
from datetime import datetime

import psycopg
import pytest
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import func, select

from tenants import tenant_context
from tests.conftest import REDIS_URL, TEST_DB, _empty_tables, app_config, login
from tests.dashboard import data
from tests.factories import PASSWORD, create_observer, create_tenant, create_user
from tests.services import PgCluster
from xgm import create_app
from xgm.extensions import db
from xgm.passes.models import Arrival

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgresql", reason="streaming replication is PostgreSQL's (PostgreSQL suite)"
)

PERIOD = {"period": "custom", "from": "2024-05-01", "to": "2024-05-07"}
KPI = re.compile(r'kpi-label">([^<]+)</span><strong class="kpi-value">([^<]+)</strong>')
DIVISION = "330106002052"  # 宝石社区


@pytest.fixture(scope="module")
def clusters():
    """(primary, replica): the primary migrated to head, the replica streaming from it."""
    with PgCluster() as primary:
        app = create_app(app_config(primary.url()))
        with app.app_context():
            upgrade()
            db.engine.dispose()
        with PgCluster(primary=primary) as replica:
            yield primary, replica


@pytest.fixture
def replicated(clusters):
    """The app on the primary with the replica configured, and a company with data on it."""
    primary, replica = clusters
    app = create_app(app_config(primary.url(), XGM_DATABASE_REPLICA_URL=replica.url()))
    Redis.from_url(REDIS_URL).flushdb()
    with app.app_context():
        tenant = create_tenant("复制物业")
        create_user(tenant, email="replica-owner@example.com")
        create_observer(DIVISION, email="replica-observer@gov.example")
        tenant_id = tenant.id
        compound_id = data.compound(tenant_id, "一号院", DIVISION)
        gate_id = data.gate(tenant_id, compound_id)
        for day in (2, 3):
            data.arrival(tenant_id, compound_id, gate_id, datetime(2024, 5, day, 2, 0))
    yield app, tenant_id, compound_id, gate_id
    with psycopg.connect(replica.dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    with app.app_context():
        db.session.remove()
        _empty_tables()  # the next test starts empty
        db.engine.dispose()
        app.extensions["xgm_replica_engine"].dispose()
    for client in app.extensions.get("xgm_redis", {}).values():
        client.close()


def _caught_up(primary, replica, timeout: float = 10.0) -> None:
    """Wait until the replica has replayed everything the primary wrote so far."""
    with psycopg.connect(primary.dsn(), autocommit=True) as conn:
        target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica.dsn(), autocommit=True) as conn:
        while True:
            done = conn.execute(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (str(target),)
            ).fetchone()[0]
            if done:
                return
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)


def _scans(client, path: str) -> str:
    html = client.get(path, query_string=PERIOD).get_data(as_text=True)
    return dict(KPI.findall(html))["扫码"]


def _csv_rows(client) -> int:
    response = client.get(
        "/exports/arrivals.csv", query_string={"from": "2024-05-01", "to": "2024-05-07"}
    )
    assert response.status_code == 200
    return len(list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))) - 1


def test_dashboards_oversight_and_exports_read_the_replica(clusters, replicated):
    """Replay paused: 3 new arrivals on the primary are missing from the dashboard, the street
    view and the CSV, until the replica replays them."""
    primary, replica = clusters
    app, tenant_id, compound_id, gate_id = replicated
    owner, observer = app.test_client(), app.test_client()
    assert login(owner, "replica-owner@example.com", PASSWORD).status_code == 302
    assert login(observer, "replica-observer@gov.example", PASSWORD).status_code == 302
    _caught_up(primary, replica)
    assert (_scans(owner, "/dashboard"), _scans(observer, "/oversight")) == ("2", "2")
    with psycopg.connect(replica.dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()")
    with app.app_context():
        for hour in (3, 4, 5):
            data.arrival(tenant_id, compound_id, gate_id, datetime(2024, 5, 4, hour, 0))
        with tenant_context(tenant_id):  # the primary has all five
            assert db.session.scalar(select(func.count(Arrival.id))) == 5
    assert _scans(owner, "/dashboard") == "2"
    assert _scans(observer, "/oversight") == "2"
    assert _csv_rows(owner) == 2
    # Pages that write still work while reading the replica: signing in again and the
    # dashboard after it (the session rows go to the primary).
    again = app.test_client()
    assert login(again, "replica-owner@example.com", PASSWORD).status_code == 302
    assert _scans(again, "/dashboard") == "2"
    with psycopg.connect(replica.dsn(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_resume()")
    _caught_up(primary, replica)
    assert (_scans(owner, "/dashboard"), _scans(observer, "/oversight")) == ("5", "5")
    assert _csv_rows(owner) == 5


def test_without_a_replica_the_pages_read_the_primary(clusters):
    """No XGM_DATABASE_REPLICA_URL: no replica engine, the same views read the primary."""
    primary, _ = clusters
    app = create_app(app_config(primary.url()))
    assert "xgm_replica_engine" not in app.extensions
