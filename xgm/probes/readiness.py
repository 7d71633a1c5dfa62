"""Readiness: the database and Redis answer, and the schema is at the migrations' head."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import text

from xgm.extensions import db
from xgm.queues import get_redis

#: The checkout's migrations (the folder create_app gives Flask-Migrate), found from this file
#: rather than from xgm.ROOT: nothing imports the composition root.
MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache(maxsize=4)
def _scripts(directory: str):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(Path(directory)))
    script = ScriptDirectory.from_config(config)
    return frozenset(script.get_heads()), frozenset(r.revision for r in script.walk_revisions())


def migration_heads(directory: str = str(MIGRATIONS)) -> frozenset[str]:
    """The head revisions of the migration scripts (read once per process)."""
    return _scripts(directory)[0]


def schema_state(rows: set[str], directory: str = str(MIGRATIONS)) -> str:
    """ "head", "behind" (a revision this code knows, not its head: migrate) or "ahead" (a
    revision this code does not know: a newer release migrated first, which this release's
    code runs on, each migration being backward compatible for one release)."""
    heads, known = _scripts(directory)
    if rows == heads:
        return "head"
    if rows and not rows <= known:
        return "ahead"
    return "behind"


def check_database() -> tuple[bool, str]:
    """(ok, detail): one round trip reading the schema's revision."""
    try:
        with db.engine.connect() as conn:
            rows = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready", with its class
        return False, f"unreachable: {type(exc).__name__}"
    state = schema_state(rows)
    if state == "behind":
        at = ",".join(sorted(rows)) or "none"
        return False, f"schema at {at}, head is {','.join(sorted(migration_heads()))}"
    return True, "ok" if state == "head" else "ok (schema of a newer release)"


def check_redis() -> tuple[bool, str]:
    """(ok, detail): a PING."""
    try:
        get_redis().ping()
    except Exception as exc:  # noqa: BLE001
        return False, f"unreachable: {type(exc).__name__}"
    return True, "ok"
