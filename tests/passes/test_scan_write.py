"""The scan's one-statement arrival write: same row either way, and the tenant wall kept."""

import uuid

import psycopg
import pytest
from flask_migrate import upgrade

from tenants import CrossTenantWrite, TenantRequired, tenant_context, unscoped
from tests.conftest import PG_ADMIN, TEST_DB, _pg_admin, app_config
from tests.factories import (
    ACTIVE,
    accept_notice,
    arrivals,
    city_config,
    create_gate,
    create_tenant,
    make_place,
    sign_in_rider,
    token_of,
)
from xgm import create_app
from xgm.compounds.lookup import resolve_token
from xgm.extensions import db
from xgm.passes.scanning import Verdict, record_scan
from xgm.passes.views import KEY_RE
from xgm.privacy.viewings import close_viewing_buffer

PENDING = 'data-outcome="pending"'


def test_both_write_paths_record_the_same_arrival(client, place):
    """A first scan (a query ran first: transaction) and a later one (autocommit) match."""
    tenant_id, compound_id, gate_id, token = place
    with client.application.app_context():
        other_gate = create_gate(tenant_id, compound_id, "北门")
    other_token = token_of(client.application, other_gate)
    sign_in_rider(client, token, ACTIVE)
    assert PENDING in client.get(f"/g/{token}").get_data(as_text=True)  # builds the block set
    assert PENDING in client.get(f"/g/{other_token}").get_data(as_text=True)  # all cached
    rows = arrivals(client.application, tenant_id)
    assert [r.gate_id for r in rows] == [gate_id, other_gate]
    for row in rows:
        assert (row.tenant_id, row.compound_id, row.rider_code) == (tenant_id, compound_id, ACTIVE)
        assert (row.outcome, row.rider_status, row.rider_name) == ("pending", "active", "王小明")
        assert (row.refusal, row.reason, row.offline, row.manual) == ("", "", False, False)
        assert row.decided_at is None and row.created_at is not None
        assert KEY_RE.match(row.pass_key)
    assert rows[0].pass_key != rows[1].pass_key
    assert [r.gate_name for r in rows] == ["东门", "北门"]


def test_the_pass_shows_the_row_it_wrote(client, place):
    """The pass page's key is the stored arrival's key (the page polls it)."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    body = client.get(f"/g/{token}").get_data(as_text=True)
    [row] = arrivals(client.application, tenant_id)
    assert f"/passes/{row.pass_key}/status" in body
    assert client.get(f"/passes/{row.pass_key}/status").get_json()["outcome"] == "pending"


@pytest.mark.parametrize("acting_for", ["other", None, "unscoped"])
def test_recording_a_scan_for_another_tenants_gate_fails_closed(city_app, place, acting_for):
    """The write names its tenant itself, so it checks the request acts for the gate's tenant."""
    tenant_id, _, _, token = place
    with city_app.app_context():
        other = create_tenant("乙物业有限公司").id
        gate, compound = resolve_token(token)
        expected = CrossTenantWrite if acting_for == "other" else TenantRequired
        context = (
            unscoped()
            if acting_for == "unscoped"
            else tenant_context(other if acting_for == "other" else None)
        )
        with context, pytest.raises(expected):
            record_scan(gate, compound, ACTIVE, Verdict(status="active"))
        db.session.rollback()
    assert arrivals(city_app) == []


def test_another_tenants_recent_arrival_is_not_reused(client, place, city_app):
    """The reuse check of the one statement looks at the gate's own tenant only."""
    tenant_id, _, _, token = place
    with city_app.app_context():
        other = create_tenant("乙物业有限公司").id
    _, _, other_token = make_place(city_app, other, "阳光花园", "南门")
    sign_in_rider(client, token, ACTIVE)
    client.get(f"/g/{token}")
    accept_notice(client, other_token)  # another company: its notice first
    client.get(f"/g/{other_token}")
    client.get(f"/g/{other_token}")  # within 2 minutes: reused, not a third arrival
    assert len(arrivals(city_app, tenant_id)) == 1
    assert len(arrivals(city_app, other)) == 1


def test_engine_pings_pooled_connections_unless_told_not_to():
    """pre-ping is on by default on both databases; XGM_DB_PRE_PING=0 turns it off."""
    from xgm.config import engine_options

    pg = "postgresql+psycopg://db/xgm"
    assert engine_options(pg, {}) == {
        "pool_pre_ping": True,
        "pool_recycle": 1800,
        "pool_size": 20,
        "max_overflow": 10,
    }
    assert engine_options("sqlite:///x.db", {}) == {"pool_pre_ping": True}
    assert engine_options(pg, {"XGM_DB_PRE_PING": "0"})["pool_pre_ping"] is False
    assert engine_options(pg, {"XGM_DB_POOL_SIZE": "5"})["pool_size"] == 5


@pytest.fixture
def pg_app(city_app, sim):
    """The scan app on PostgreSQL, whose server can end connections: the suite's own app in the
    PostgreSQL suite; in the SQLite suite an app of its own on a throwaway PostgreSQL database
    (migrated), so the test runs in both suites."""
    if TEST_DB == "postgresql":
        yield city_app
        return
    name = f"xgm_pool_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    app = create_app(
        app_config(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", **city_config(sim))
    )
    try:
        with app.app_context():
            upgrade()
        yield app
    finally:
        close_viewing_buffer(app)
        with app.app_context():
            db.engine.dispose()
        for redis_client in app.extensions.get("xgm_redis", {}).values():
            redis_client.close()
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_scan_survives_the_database_dropping_pooled_connections(pg_app):
    """After PostgreSQL ends every pooled connection (a restart, a failover), the next scan
    still gets its pass: the pool notices the dead connections instead of failing the rider."""
    client = pg_app.test_client()
    with pg_app.app_context():
        tenant_id = create_tenant("安居物业有限公司").id
    compound_id, _, token = make_place(pg_app, tenant_id)
    with pg_app.app_context():
        other_token = token_of(pg_app, create_gate(tenant_id, compound_id, "北门"))
    sign_in_rider(client, token, ACTIVE)
    assert PENDING in client.get(f"/g/{token}").get_data(as_text=True)
    with pg_app.app_context():
        dbname = db.engine.url.database
        assert db.engine.pool.checkedin() >= 1  # there is a pooled connection to lose
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        ended = admin.execute(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()) t",
            (dbname,),
        ).fetchone()[0]
    assert ended >= 1
    response = client.get(f"/g/{other_token}")  # a gate not cached yet: asks the database
    assert response.status_code == 200
    assert PENDING in response.get_data(as_text=True)
    assert len(arrivals(pg_app, tenant_id)) == 2
