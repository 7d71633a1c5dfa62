"""The periodic history job: partitions created ahead, whole old months dropped or blanked."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from tenants import Tenant, unscoped, utcnow
from xgm.extensions import db
from xgm.history import partitions
from xgm.history.months import PARTITIONED, add_months, month_start

log = logging.getLogger(__name__)


def maintain_history(now=None) -> dict:
    """Job: this month's and the next XGM_HISTORY_MONTHS_AHEAD months' partitions exist; with
    XGM_HISTORY_KEEP_MONTHS > 0 whole months older than that are dropped (arrivals and the
    access log); arrival months older than the longest tenant retention period are blanked
    whole (one UPDATE each, once). Nothing on SQLite."""
    now = now or utcnow()
    with unscoped():  # partitions hold whole months of every tenant's rows
        conn = db.session.connection()
        if not partitions.supported(conn):
            return {}
        config = current_app.config
        done = {"created": partitions.ensure_ahead(conn, now, config["XGM_HISTORY_MONTHS_AHEAD"])}
        keep = config["XGM_HISTORY_KEEP_MONTHS"]
        if keep > 0:
            cutoff = add_months(month_start(now), -keep)
            done["dropped"] = [
                name
                for table in PARTITIONED
                if partitions.is_partitioned(conn, table)
                for name in partitions.drop_before(conn, table, cutoff)
            ]
        longest = db.session.scalar(select(func.max(Tenant.retention_days)))
        if longest is not None and partitions.is_partitioned(conn, "arrival"):
            done["blanked"] = partitions.blank_before(conn, now - timedelta(days=longest))
        db.session.commit()
    if any(done.values()):
        log.info("history: %s", done)
    return done
