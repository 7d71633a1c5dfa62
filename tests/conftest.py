"""Test fixtures: a real database (SQLite file or throwaway PostgreSQL), real Redis, the real app.

Choose the database with XGM_TEST_DB=sqlite (default) or XGM_TEST_DB=postgresql. The schema is
built once per session by the Alembic migrations (so they are tested too); every test starts
from empty tables and an empty Redis database.
"""

import os
import re
import uuid
from pathlib import Path

import psycopg
import pytest
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import text

from tenants import unscoped
from xgm import create_app
from xgm.extensions import db
from xgm.privacy.viewings import close_viewing_buffer, close_viewing_buffers

TEST_DB = os.environ.get("XGM_TEST_DB", "sqlite")
PG_ADMIN = os.environ.get("XGM_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")


def _redis_db() -> int:
    """This test process's Redis database (every test flushes it, so no two processes share one).

    XGM_TEST_REDIS_DB is one number, or a comma-separated list for a run split over
    pytest-xdist workers: worker gwN takes the N-th.
    """
    chosen = os.environ.get("XGM_TEST_REDIS_DB", "15" if TEST_DB == "sqlite" else "14").split(",")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker.removeprefix("gw"))
    if index >= len(chosen):
        raise RuntimeError(f"XGM_TEST_REDIS_DB={','.join(chosen)} names no database for {worker}")
    return int(chosen[index])


REDIS_DB = _redis_db()
#: XGM_TEST_REDIS_PORT: another Redis server for checkouts tested side by side (default 6379).
REDIS_PORT = int(os.environ.get("XGM_TEST_REDIS_PORT", "6379"))
REDIS_URL = f"redis://127.0.0.1:{REDIS_PORT}/{REDIS_DB}"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def touches_a_database(item) -> bool:
    """Whether a test uses the test database or picks a database itself (by TEST_DB)."""
    module = getattr(item, "module", None)
    return "database_url" in item.fixturenames or "TEST_DB" in vars(module or object)


#: Files that run long without a slow or browser mark (scheduled first, see below).
LONG_FILES = ("test_fuzz.py",)


def pytest_collection_modifyitems(config, items):
    """A test that touches no database runs once, in the SQLite pass (`make test` runs both).

    Tests that use the database fixture, or that choose a database themselves by reading
    TEST_DB (migrations, replica, pooling), run in each pass. The files that run long (a slow
    or browser test in them, or listed in LONG_FILES) come first, each file's tests still
    together and in order: pytest-xdist hands out whole files in this order, so they start
    at once on every worker instead of forming the tail of the run.
    """
    if TEST_DB == "postgresql":
        kept = [item for item in items if touches_a_database(item)]
        if len(kept) < len(items):
            config.hook.pytest_deselected(items=[i for i in items if not touches_a_database(i)])
            items[:] = kept
    long_files = {
        item.path
        for item in items
        if item.path.name in LONG_FILES
        or item.get_closest_marker("slow")
        or item.get_closest_marker("browser")
    }
    items.sort(key=lambda item: item.path not in long_files)


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A fresh database for this test session, dropped at the end."""
    if TEST_DB == "postgresql":
        name = f"xgm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path: Path = tmp_path_factory.mktemp("db") / "xgm-test.sqlite3"
        yield f"sqlite:///{path}"


def app_config(database_url: str, **extra) -> dict:
    """The configuration every test app uses (real DB and Redis, CSRF on)."""
    config = {
        "TESTING": True,
        "XGM_RERAISE": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": f"xgm-test-{REDIS_DB}",
        "XGM_ARGON2_PROFILE": "owasp_minimum",
        "XGM_PUBLIC_URL": "http://xgm.test",
        "SERVER_NAME": None,
        # Every statement on a tenant-owned table carries the current tenant, goes through
        # tenants.tenant_connection() or runs inside unscoped() (tenants/door.py).
        "XGM_TENANT_SQL_CHECK": True,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def _schema(database_url):
    """Build the schema once with the migrations."""
    app = create_app(app_config(database_url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return True


@pytest.fixture
def app(database_url, _schema):
    """The app on a clean database and a clean Redis database."""
    app = create_app(app_config(database_url))
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    yield app
    close_viewing_buffer(app)  # no stream's buffered access-log rows reach a later test
    close_viewing_buffers()  # nor those of an app the test made itself
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()
    for client in app.extensions.get("xgm_redis", {}).values():
        client.close()  # the app's own pool (sockets opened by request threads included)
    redis.flushdb()
    redis.close()


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with unscoped(), db.engine.begin() as conn:  # test cleanup: every tenant's rows go
        if db.engine.dialect.name == "postgresql":
            # DELETE, not TRUNCATE: a test leaves a few rows, and TRUNCATE of ~40 tables (and
            # the partitions of arrival and the access log) costs ~0.3 s a test in new files;
            # DELETE costs ~5 ms. Triggers (the audit log's append-only one) and foreign-key
            # checks are off for this transaction only; every sequence starts again at 1.
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("; ".join(f'DELETE FROM "{t}"' for t in tables)))
            conn.execute(
                text("SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S'")
            )
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")
            ).first():
                conn.execute(text("DELETE FROM sqlite_sequence"))


@pytest.fixture
def client(app):
    """A browser: a test client that keeps cookies."""
    return app.test_client()


@pytest.fixture
def new_client(app):
    """A factory of extra browsers (a second device, another tenant's user)."""
    return app.test_client


def csrf_token(client, path: str = "/login") -> str:
    """Read the CSRF token from a page's form, as a browser would."""
    response = client.get(path)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no csrf_token in {path} ({response.status_code})"
    return match.group(1)


def login(client, email: str, password: str):
    """Sign in through the real login form."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def live_server(app):
    """The test app over real HTTP on a free 127.0.0.1 port (same database); yields the base URL."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="xgm-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def sim_server(tmp_path_factory):
    """The city simulator: `python -m xgm.citysim` on a free port for the session, its URL.

    Webhooks are held, not sent (tests post them). The one simulator fixture of the suite:
    tests/city and tests/scaleout override it with the same shape (a running process's URL).
    """
    from tests.factories import CLIENT_ID, PUBLIC_URL, SECRET
    from xgm.citysim.process import SimProcess

    process = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=PUBLIC_URL,
        env={"CITYSIM_WEBHOOKS": "0"},
        log_path=tmp_path_factory.mktemp("citysim") / "citysim.log",
    )
    with process:
        yield process.url


@pytest.fixture
def sim(sim_server):
    """The simulator's URL, back in its seed state."""
    import requests

    requests.post(sim_server + "/_sim/reset", timeout=10).raise_for_status()
    return sim_server


@pytest.fixture
def city_app(app, sim):
    """The test app talking to the simulator process."""
    from tests.factories import city_config

    app.config.update(city_config(sim))
    return app


@pytest.fixture
def place(city_app):
    """A tenant with a compound (with buildings) and one gate: (tenant_id, compound_id, gate_id, token)."""
    from tests.factories import create_tenant, make_place

    with city_app.app_context():
        tenant_id = create_tenant("安居物业有限公司").id
    compound_id, gate_id, token = make_place(city_app, tenant_id, buildings="1幢\n2幢\n3幢")
    return tenant_id, compound_id, gate_id, token


@pytest.fixture(autouse=True)
def _no_tenant_state_leaks():
    """Each test starts and ends with no tenant bound in this thread (no leak between tests)."""
    from tenants.scoping import _state

    assert _state.get() == (None, 0), "a previous test left a tenant bound"
    yield
    leaked = _state.get()
    _state.set((None, 0))
    assert leaked == (None, 0), f"this test left the tenant state {leaked}"
