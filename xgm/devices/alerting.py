"""Gate phones gone quiet as team alerts: one `phone_offline` per episode (xgm.alerts.watch)."""

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from tenants import unscoped, utcnow
from xgm.alerts.watch import observe
from xgm.alerts.watchers import last_seen_detail
from xgm.devices.models import Device
from xgm.extensions import db


def watch_phones() -> int:
    """Look at every enrolled phone of every tenant; returns how many alerts it raised.

    A phone is offline when it has made no request for XGM_PHONE_OFFLINE_AFTER seconds
    (its last-seen time is written at most every 5 minutes, so shorter limits mean little).
    """
    limit = timedelta(seconds=float(current_app.config["XGM_PHONE_OFFLINE_AFTER"]))
    now = utcnow()
    with unscoped():  # a sweep over every tenant's phones
        phones = db.session.scalars(select(Device).where(Device.revoked_at.is_(None))).all()
        rows = [(p.tenant_id, p.id, p.compound_id, p.place, p.last_seen_at) for p in phones]
    db.session.rollback()
    raised = 0
    for tenant_id, device_id, compound_id, place, seen in rows:
        raised += observe(
            tenant_id,
            f"phone:{device_id}",
            now - seen > limit,
            "phone_offline",
            compound_id=compound_id,
            ref=place,
            detail=last_seen_detail(seen),
            link="/devices",
        )
    return raised
