"""Migration 0011: existing compounds and observers get their division where the text resolves."""

import importlib.util
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from tenants import unscoped
from tests.conftest import TEST_DB, _pg_admin, app_config
from xgm import create_app
from xgm.extensions import db

MIGRATION = Path(__file__).resolve().parents[2] / "migrations/versions/0011_divisions.py"


def _down_revision() -> str:
    spec = importlib.util.spec_from_file_location("migration_0011", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.down_revision


@pytest.fixture
def database(tmp_path):
    """A fresh, empty database of the suite's kind; its URL."""
    if TEST_DB == "postgresql":
        name = f"xgm_div_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'div.sqlite3'}"


#: (name, district, street, community) typed before divisions, and what each becomes:
#: (division_code, district, street, community, community_unverified).
COMPOUNDS = [
    (
        "江滨花园",
        "桐庐县",
        "城南街道",
        "江滨社区",
        ("330122004018", "桐庐县", "城南街道", "江滨社区", False),
    ),
    (
        "一号院",
        "西湖区",
        "北山街道",
        "宝石社区",
        ("330106002052", "西湖区", "北山街道", "宝石社区", False),
    ),
    ("北山院", "", "北山街道", "", ("330106002000", "西湖区", "北山街道", "", False)),
    (
        "滨江苑",
        "桐庐县",
        "桐君街道",
        "滨江社区",
        ("330122003000", "桐庐县", "桐君街道", "滨江社区", True),
    ),
    ("城南院", "", "城南街道", "", ("", "", "城南街道", "", False)),  # four 城南街道
    ("千岛湖院", "淳安县", "城南街道", "", ("", "淳安县", "城南街道", "", False)),  # none there
    ("只有区", "桐庐县", "", "", ("", "桐庐县", "", "", False)),
    ("空白院", "", "", "", ("", "", "", "", False)),
]
#: (email, level, area) of old observers, and what each becomes: (code, level, area).
OBSERVERS = [
    ("a@gov.example", "street", "北山街道", ("330106002000", "street", "杭州市西湖区北山街道")),
    ("b@gov.example", "district", "桐庐县", ("330122", "county", "杭州市桐庐县")),
    (
        "c@gov.example",
        "community",
        "宝石社区",
        ("330106002052", "community", "杭州市西湖区北山街道宝石社区"),
    ),
    ("d@gov.example", "street", "城南街道", ("", "street", "城南街道")),
    ("e@gov.example", "community", "没有的社区", ("", "community", "没有的社区")),
]


def test_existing_rows_are_mapped_where_their_text_resolves(database):
    """Upgrade a database holding old rows: the ones naming exactly one division get it (and
    names from it), the others keep "" for their managers and the operator to fix."""
    app = create_app(app_config(database))
    now = datetime(2026, 1, 1)
    with app.app_context():
        upgrade(revision=_down_revision())
        with unscoped(), db.engine.begin() as conn:  # rows of the old schema, as a migration sees
            conn.execute(
                text(
                    "INSERT INTO tenant (id, name, uscc, contact_name, contact_phone, status, "
                    "suspended_reason, shift_hours, retention_days, created_at) VALUES "
                    "(1, '甲物业', '91330122MA2XXXXXX1', '', '', 'active', '', 12, 180, :now)"
                ),
                {"now": now},
            )
            for i, (name, district, street, community, _) in enumerate(COMPOUNDS, 1):
                conn.execute(
                    text(
                        "INSERT INTO compound (id, tenant_id, name, address, district, street, "
                        "community, hotline, buildings, archived, created_at) VALUES "
                        "(:i, 1, :name, '', :d, :s, :c, '', '', :f, :now)"
                    ),
                    {
                        "i": i,
                        "name": name,
                        "d": district,
                        "s": street,
                        "c": community,
                        "f": False,
                        "now": now,
                    },
                )
            for i, (email, level, area, _) in enumerate(OBSERVERS, 1):
                conn.execute(
                    text(
                        "INSERT INTO observer (id, email, name, password_hash, level, area, "
                        "active, created_at) VALUES (:i, :e, '办', 'x', :l, :a, :t, :now)"
                    ),
                    {"i": i, "e": email, "l": level, "a": area, "t": True, "now": now},
                )
        upgrade(revision="0011")
        engine = create_engine(database)
        with engine.connect() as conn:
            compounds = conn.execute(
                text(
                    "SELECT name, division_code, district, street, community, "
                    "community_unverified FROM compound ORDER BY id"
                )
            ).all()
            observers = conn.execute(
                text("SELECT email, division_code, level, area, role FROM observer ORDER BY id")
            ).all()
        engine.dispose()
        db.engine.dispose()
    assert [(r[0], (r[1], r[2], r[3], r[4], bool(r[5]))) for r in compounds] == [
        (name, expected) for name, _, _, _, expected in COMPOUNDS
    ]
    assert [(r[0], (r[1], r[2], r[3]), r[4]) for r in observers] == [
        (email, expected, "observer") for email, _, _, expected in OBSERVERS
    ]
