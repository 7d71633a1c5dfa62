"""Readiness: the database and Redis answer, and the schema is at the migrations' head."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import text

from xgm import ROOT
from xgm.extensions import db
from xgm.queues import get_redis


@lru_cache(maxsize=4)
def migration_heads(directory: str = str(ROOT / "migrations")) -> frozenset[str]:
    """The head revisions of the migration scripts (read once per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(directory)))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check_database() -> tuple[bool, str]:
    """(ok, detail): one round trip reading the schema's revision."""
    try:
        with db.engine.connect() as conn:
            rows = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its class
        return False, f"unreachable: {type(exc).__name__}"
    heads = migration_heads()
    if rows != heads:
        at = ",".join(sorted(rows)) or "none"
        return False, f"schema at {at}, head is {','.join(sorted(heads))}"
    return True, "ok"


def check_redis() -> tuple[bool, str]:
    """(ok, detail): a PING."""
    try:
        get_redis().ping()
    except Exception as exc:  # noqa: BLE001
        return False, f"unreachable: {type(exc).__name__}"
    return True, "ok"
