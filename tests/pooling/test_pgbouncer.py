"""The app behind Debian's pgbouncer in transaction pooling mode: scans and complaints work.

pgbouncer (1.18 in Debian 12) hands each transaction any server connection of its pool, so a
statement psycopg prepared on one is missing on the next: XGM_DB_PREPARED_STATEMENTS=0 makes
psycopg prepare none. The test starts pgbouncer on a free port in front of the tests'
PostgreSQL and runs the rider's scan and a complaint's filing and delivery through it.
"""

import pytest
from sqlalchemy import func, select

from tenants import tenant_context
from tests.conftest import TEST_DB, app_config, csrf_token, login
from tests.factories import (
    ACTIVE,
    PASSWORD,
    city_config,
    create_tenant,
    create_user,
    local,
    make_place,
    sign_in_rider,
)
from tests.services import PgBouncer
from xgm import create_app
from xgm.complaints.models import Complaint
from xgm.config import engine_options
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.queues.worker import make_worker

pytestmark = pytest.mark.skipif(
    TEST_DB != "postgresql", reason="pgbouncer pools PostgreSQL connections (PostgreSQL suite)"
)


@pytest.fixture(scope="module")
def bouncer():
    """pgbouncer on a free port, transaction pooling, a pool of 2 server connections."""
    with PgBouncer(pool_size=2) as running:
        yield running


@pytest.fixture
def bounced(app, database_url, bouncer, sim):
    """A second app on the same database, through pgbouncer, prepared statements off."""
    name = database_url.rsplit("/", 1)[1]
    url = bouncer.url(name)
    options = engine_options(url, {"XGM_DB_PREPARED_STATEMENTS": "0", "XGM_DB_POOL_SIZE": "3"})
    bounced = create_app(app_config(url, SQLALCHEMY_ENGINE_OPTIONS=options, **city_config(sim)))
    yield bounced
    with bounced.app_context():
        db.session.remove()
        db.engine.dispose()


def _transactions(bouncer, database: str) -> int:
    return sum(
        row["total_xact_count"]
        for row in bouncer.admin("SHOW STATS")
        if row["database"] == database
    )


def test_scan_and_complaint_flows_through_pgbouncer(bounced, bouncer, database_url):
    """Rider scans (many, so psycopg would have prepared), a complaint filed and delivered."""
    database = database_url.rsplit("/", 1)[1]
    before = _transactions(bouncer, database)
    with bounced.app_context():
        tenant = create_tenant("池化物业")
        create_user(tenant, email="pool@example.com")
        tenant_id = tenant.id
        with db.engine.connect() as conn:  # the setting reached psycopg
            assert conn.connection.dbapi_connection.prepare_threshold is None
    compound_id, gate_id, token = make_place(bounced, tenant_id)
    rider = bounced.test_client()
    sign_in_rider(rider, token, ACTIVE)
    for _ in range(12):  # the same statements again and again, over 2 server connections
        page = rider.get(f"/g/{token}")
        assert page.status_code == 200
        assert 'data-outcome="pending"' in page.get_data(as_text=True)
    office = bounced.test_client()
    assert login(office, "pool@example.com", PASSWORD).status_code == 302
    for index, category in enumerate(("unsafe_riding", "no_helmet", "littering")):
        response = office.post(
            "/complaints/new",
            data={
                "csrf_token": csrf_token(office, "/complaints/new"),
                "rider_code": ACTIVE,
                "compound_id": compound_id,
                "gate_id": gate_id,
                "category": category,
                "description": f"经连接池投诉 {index}",
                "occurred_at": local(),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert make_worker(bounced, ["complaints"]).work(burst=True) is True
    with bounced.app_context(), tenant_context(tenant_id):
        assert db.session.scalar(select(func.count(Arrival.id))) == 1
        statuses = db.session.scalars(select(Complaint.status)).all()
    assert statuses == ["received"] * 3
    assert _transactions(bouncer, database) > before + 30
