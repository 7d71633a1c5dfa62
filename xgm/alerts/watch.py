"""Conditions that last (an agent or a phone offline): one alert when one starts, none while it
lasts, and a new one after it has ended and started again."""

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tenants import tenant_context
from xgm.alerts.events import raise_event
from xgm.alerts.models import AlertWatch
from xgm.extensions import db


def observe(tenant_id: int, key: str, bad: bool, kind: str, **event) -> bool:
    """Note the condition `key`'s state now; raises `kind` when it turns bad. True if raised.

    Commits (watchers run in sweeps, one condition at a time).
    """
    with tenant_context(tenant_id):
        known = db.session.scalar(select(AlertWatch.id).where(AlertWatch.key == key))
        if not bad:
            if known is not None:
                db.session.execute(delete(AlertWatch).where(AlertWatch.key == key))
                db.session.commit()
            return False
        if known is not None:
            return False
        db.session.add(AlertWatch(key=key))
        try:
            db.session.flush()  # the unique (tenant, key) makes two sweeps raise it once
        except IntegrityError:
            db.session.rollback()
            return False
        raise_event(tenant_id, kind, **event)
        db.session.commit()
        return True
