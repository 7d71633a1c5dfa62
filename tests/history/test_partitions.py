"""Arrivals and the access log by month: migration 0020 keeps every row, the history job
creates months ahead, drops and blanks whole old months (PostgreSQL); SQLite stays plain."""

import re
import uuid
from datetime import datetime

import pytest
from flask_migrate import downgrade, upgrade
from psycopg import sql
from sqlalchemy import create_engine, text

from tenants import Tenant, tenant_context, unscoped
from tests.conftest import TEST_DB, _pg_admin, app_config
from tests.dashboard import data
from tests.factories import create_tenant
from xgm import create_app
from xgm.extensions import db
from xgm.history import partitions
from xgm.history.jobs import maintain_history
from xgm.passes.models import Arrival
from xgm.passes.scanning import REUSE_WITHIN, _column_defaults, _insert_unless_recent
from xgm.privacy.models import RiderDataAccess

on_postgresql = pytest.mark.skipif(
    TEST_DB != "postgresql", reason="declarative partitioning is PostgreSQL's"
)

WHEN = [
    datetime(2024, 11, 3, 8, 0),
    datetime(2025, 1, 31, 23, 59, 59),
    datetime(2025, 2, 1),
    datetime(2026, 12, 1, 12, 0),
]


@pytest.fixture
def database(tmp_path):
    """A fresh, empty database of the suite's kind; its URL."""
    if TEST_DB == "postgresql":
        name = f"xgm_hist_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'hist.sqlite3'}"


#: The revision 0020 comes after (history partitioning is the newest migration).
BEFORE = "0023"


def _rows(conn, table: str) -> list[tuple]:
    return conn.execute(text(f"SELECT id, created_at FROM {table} ORDER BY id")).all()  # noqa: S608


def test_migration_keeps_every_row_and_downgrade_too(database):
    """Rows of four months before 0020: the same rows after it (each in its month's partition on
    PostgreSQL), the id sequence goes on, and downgrading to the revision before it keeps them all again."""
    app = create_app(app_config(database))
    engine = create_engine(database)
    with app.app_context():
        upgrade(revision=BEFORE)
        tenant_id = create_tenant().id
        compound = data.compound(tenant_id, "老院")
        gate = data.gate(tenant_id, compound)
        with tenant_context(tenant_id):
            for at in WHEN:
                arrival_id = data.arrival(tenant_id, compound, gate, at)
                db.session.add(
                    RiderDataAccess(
                        actor_kind="guard", actor_id=1, arrival_id=arrival_id, place="stream",
                        created_at=at,
                    )
                )  # fmt: skip
            db.session.commit()
        db.session.remove()
        with engine.begin() as conn:
            before = {t: _rows(conn, t) for t in ("arrival", "rider_data_access")}
        upgrade()
        with engine.begin() as conn:
            assert {t: _rows(conn, t) for t in before} == before
            if TEST_DB == "postgresql":
                assert partitions.is_partitioned(conn, "arrival")
                assert partitions.is_partitioned(conn, "rider_data_access")
                where = dict(
                    conn.execute(text("SELECT id, tableoid::regclass::text FROM arrival")).all()
                )
                assert where == {
                    1: "arrival_p202411",
                    2: "arrival_p202501",
                    3: "arrival_p202502",
                    4: "arrival_p202612",
                }
                months = partitions.partitions(conn, "arrival")
                assert "arrival_p202412" in months and "arrival_pdefault" in months
            else:
                assert not partitions.supported(conn)
        assert data.arrival(tenant_id, compound, gate, WHEN[3]) == 5  # the ids go on
        db.session.remove()
        downgrade(revision=BEFORE)
        with engine.begin() as conn:
            after = _rows(conn, "arrival")
            assert after[:4] == before["arrival"]
            assert _rows(conn, "rider_data_access") == before["rider_data_access"]
            if TEST_DB == "postgresql":
                assert not partitions.is_partitioned(conn, "arrival")
        db.engine.dispose()
    engine.dispose()


@on_postgresql
def test_migration_analyzes_only_months_with_rows(database):
    """Migrating an empty database leaves its partitions unanalyzed, and the scan's prepared
    INSERT ... WHERE NOT EXISTS, planned while the month is empty, still finds a rider's recent
    arrival by ix_arrival_tenant_gate_rider_created once the month fills, reading no other
    rider's rows (no autovacuum here to measure the month and replan it)."""
    app = create_app(app_config(database))
    engine = create_engine(database)
    with app.app_context():
        upgrade()
        month = f"arrival_p{datetime.utcnow():%Y%m}"
        tenant_id = create_tenant().id
        compound = data.compound(tenant_id, "老院")
        gate = data.gate(tenant_id, compound)
        statement = _insert_unless_recent().compile(dialect=engine.dialect)
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", str(statement))))
        prepared = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", str(statement))

        def execute(conn, rider_code: str, explain: str = "") -> list:
            now = datetime.utcnow()
            values = {c.name: None for c in Arrival.__table__.c} | _column_defaults()
            values |= {
                "tenant_id": tenant_id, "compound_id": compound, "gate_id": gate,
                "compound_name": "老院", "gate_name": "东门", "rider_code": rider_code,
                "rider_name": "王小明", "pass_key": rider_code, "created_at": now,
                "reuse_after": now - REUSE_WITHIN, "source": "qr",
            }  # fmt: skip
            raw = conn.connection.driver_connection
            args = sql.SQL(", ").join(sql.Literal(values[n]) for n in names).as_string(raw)
            return conn.exec_driver_sql(f"{explain}EXECUTE scan_insert({args})").scalars().all()

        with engine.connect() as conn:
            assert conn.execute(
                text("SELECT count(*) FROM pg_class WHERE relname LIKE 'arrival_p%' "
                     "AND relkind = 'r' AND reltuples >= 0")
            ).scalar() == 0  # fmt: skip
            conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            conn.exec_driver_sql(f"PREPARE scan_insert AS {prepared}")
            execute(conn, "XGMFIRST")  # planned now, on the empty month
            conn.commit()
            for n in range(200):
                data.arrival(
                    tenant_id, compound, gate, datetime.utcnow(), rider_code=f"XGMP{n:06d}"
                )
            db.session.remove()
            plan = execute(conn, "XGMFIRST", "EXPLAIN (ANALYZE, COSTS OFF) ")
            conn.rollback()
        [scan] = [line for line in plan if f" on {month} " in line]
        assert (
            "arrival_tenant_gate_rider_created" in scan or "tenant_id_gate_id_rider_code" in scan
        ), plan
        assert not [line for line in plan if "Rows Removed by Filter" in line], plan
        db.engine.dispose()
    engine.dispose()


@on_postgresql
def test_history_job_creates_months_ahead_and_moves_waiting_rows(app):
    """An arrival of a month without a partition waits in the default one; the job run in
    that month creates it and the 3 after it, and the row moves into its month."""
    app.config["XGM_HISTORY_MONTHS_AHEAD"] = 3
    with app.app_context(), unscoped():  # partitions hold every tenant's rows
        tenant = create_tenant()
        compound = data.compound(tenant.id, "远院")
        gate = data.gate(tenant.id, compound)
        arrival_id = data.arrival(tenant.id, compound, gate, datetime(2031, 6, 10, 8, 0))
        where = text("SELECT tableoid::regclass::text FROM arrival WHERE id = :id")
        assert db.session.execute(where, {"id": arrival_id}).scalar() == "arrival_pdefault"
        done = maintain_history(now=datetime(2031, 5, 20))
        assert done["created"] == [
            f"{table}_p{m}"
            for table in ("arrival", "rider_data_access")
            for m in ("203105", "203106", "203107", "203108")
        ]
        assert db.session.execute(where, {"id": arrival_id}).scalar() == "arrival_p203106"
        assert maintain_history(now=datetime(2031, 5, 21))["created"] == []
        conn = db.session.connection()
        for table in ("arrival", "rider_data_access"):  # leave the suite's database as it was
            partitions.drop_before(conn, table, datetime(2031, 9, 1))
        db.session.commit()


@on_postgresql
def test_retention_drops_and_blanks_whole_months(app):
    """Months wholly older than XGM_HISTORY_KEEP_MONTHS are dropped; months wholly older than
    the longest tenant retention period have their rider data blanked in one UPDATE."""
    with app.app_context(), unscoped():  # partitions hold every tenant's rows
        tenant = create_tenant()
        db.session.get(Tenant, tenant.id).retention_days = 400
        db.session.commit()
        compound = data.compound(tenant.id, "老院")
        gate = data.gate(tenant.id, compound)
        conn = db.session.connection()
        for month in (datetime(2020, 1, 1), datetime(2020, 2, 1), datetime(2021, 3, 1)):
            partitions.create_month(conn, "arrival", month)
            partitions.create_month(conn, "rider_data_access", month)
        db.session.commit()
        for at in (datetime(2020, 1, 15), datetime(2020, 2, 15), datetime(2021, 3, 15)):
            data.arrival(tenant.id, compound, gate, at, name="王五", phone="13700001111")
        app.config["XGM_HISTORY_KEEP_MONTHS"] = 24
        done = maintain_history(now=datetime(2022, 2, 10))  # keep from 2020-02 on
        assert done["dropped"] == ["arrival_p202001", "rider_data_access_p202001"]
        # Longest retention 400 days before 2022-02-10 is 2021-01-06: 2020-02 is blanked whole,
        # 2021-03 is not (some tenant may still keep it).
        assert done["blanked"] == ["arrival_p202002"]
        rows = db.session.execute(
            text("SELECT created_at, rider_name, rider_phone FROM arrival ORDER BY created_at")
        ).all()
        assert rows == [
            (datetime(2020, 2, 15), "", ""),
            (datetime(2021, 3, 15), "王五", "13700001111"),
        ]
        assert maintain_history(now=datetime(2022, 2, 11))["blanked"] == []  # once only
        conn = db.session.connection()
        for table in ("arrival", "rider_data_access"):
            partitions.drop_before(conn, table, datetime(2021, 4, 1))
        db.session.commit()
