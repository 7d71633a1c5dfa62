"""The session class that sends plain SELECTs to the replica engine while the switch is on."""

from __future__ import annotations

from contextvars import ContextVar

from flask import current_app
from flask_sqlalchemy.session import Session
from sqlalchemy.sql import Select

_active: ContextVar[bool] = ContextVar("xgm_replica_active", default=False)


def replica_active() -> bool:
    """True inside reading_replica()."""
    return _active.get()


def set_replica_active(value, token=None):
    """Turn the switch on (returns a token), or restore it with that token."""
    if token is not None:
        _active.reset(token)
        return None
    return _active.set(bool(value))


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, reading from the replica inside reading_replica()."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        """The replica for a plain SELECT while the switch is on; the primary otherwise."""
        if (
            bind is None
            and _active.get()
            and not self._flushing
            and isinstance(clause, Select)
            and clause._for_update_arg is None
        ):
            engine = current_app.extensions.get("xgm_replica_engine")
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
