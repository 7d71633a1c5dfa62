"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine

from tests.conftest import TEST_DB, _pg_admin, app_config
from xgm import create_app
from xgm.extensions import db
from xgm.history.months import is_any_partition


def test_migrations_match_models(tmp_path):
    """`flask db upgrade` on an empty database leaves no difference from the models."""
    if TEST_DB == "postgresql":
        import uuid

        name = f"xgm_mig_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'mig.sqlite3'}"
    app = create_app(app_config(url))
    try:
        with app.app_context():
            upgrade()
            engine = create_engine(url)
            with engine.connect() as conn:
                context = MigrationContext.configure(
                    conn,
                    opts={
                        "include_name": lambda n, t, _p: not (t == "table" and is_any_partition(n))
                    },
                )
                diff = compare_metadata(context, db.metadata)
            engine.dispose()
            db.engine.dispose()
        assert diff == []
    finally:
        if TEST_DB == "postgresql":
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
