"""An optional read replica for the heavy read-only pages: dashboards, oversight, exports.

With `XGM_DATABASE_REPLICA_URL` set (a PostgreSQL streaming replica), the SELECTs run inside
`reading_replica()` (or a view marked `@replica_reads`) go to the replica; writes, flushes and
`SELECT ... FOR UPDATE` still go to the primary, so a page that logs or audits keeps working.
Without it everything reads the primary. The replica's figures lag the primary by its
replication delay (normally well under a second), which these pages tolerate.

Routing lives in the session class (`xgm/replica/routing.py`, used by `xgm.extensions.db`);
this module holds the switch and the engine.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import wraps

from xgm.replica.routing import replica_active, set_replica_active

__all__ = ["init_app", "reading_replica", "replica_reads", "replica_active"]


@contextmanager
def reading_replica():
    """Within this block the session's plain SELECTs read the replica (when one is configured)."""
    token = set_replica_active(True)
    try:
        yield
    finally:
        set_replica_active(None, token)


def replica_reads(view):
    """Mark a view whose reads may come from the replica."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with reading_replica():
            return view(*args, **kwargs)

    return wrapped


def init_app(app) -> None:
    """Create the replica's engine when XGM_DATABASE_REPLICA_URL is set."""
    url = app.config.get("XGM_DATABASE_REPLICA_URL")
    if not url:
        return
    from sqlalchemy import create_engine

    from xgm.config import engine_options

    options = dict(app.config.get("SQLALCHEMY_REPLICA_ENGINE_OPTIONS") or {})
    if not options:
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        if not url.startswith("postgresql"):
            options = engine_options(url, {})
    app.extensions["xgm_replica_engine"] = create_engine(url, **options)
