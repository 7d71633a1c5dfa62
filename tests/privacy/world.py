"""Isolation world: a rider's deletion request to tenant A (fills <deletion_id>)."""

from datetime import timedelta

from sqlalchemy import inspect

from tenants import tenant_context, utcnow
from xgm.extensions import db
from xgm.privacy.models import RiderDeletionRequest

ORDER = 70


def build(world) -> None:
    """An open deletion request of a rider who entered tenant A's compound."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        row = RiderDeletionRequest(
            rider_code="XGM330122000777", due_at=utcnow() + timedelta(days=15)
        )
        db.session.add(row)
        db.session.commit()
        world.ids["deletion_id"] = row.id
