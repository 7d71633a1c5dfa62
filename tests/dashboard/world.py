"""Isolation world: a finished CSV export of tenant A (fills <export_id>)."""

from datetime import date

from tenants import tenant_context
from xgm.exports.models import ExportJob
from xgm.extensions import db

ORDER = 60


def build(world) -> None:
    """Tenant A gets one finished background export."""
    with world.app.app_context(), tenant_context(world.tenant_a.id):
        job = ExportJob(
            kind="arrivals",
            first_day=date(2024, 5, 1),
            last_day=date(2024, 5, 31),
            status="done",
            rows_total=0,
            content="\ufeff扫码时间\r\n".encode(),
        )
        db.session.add(job)
        db.session.commit()
        world.ids["export_id"] = job.id
