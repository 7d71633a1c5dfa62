"""Isolation world: a building map for tenant A's compound (its map URL must answer for A)."""

from sqlalchemy import inspect, update

from tenants import tenant_context
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.guide.models import CompoundMap

ORDER = 60


def build(world) -> None:
    """A stored map of tenant A's compound (the guard, gate and arrival ids come from others)."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        compound_id = world.ids["compound_id"]
        db.session.add(
            CompoundMap(compound_id=compound_id, image=b"\xff\xd8\xff\xd9", width=1, height=1)
        )
        db.session.execute(update(Compound).where(Compound.id == compound_id).values(map_version=1))
        db.session.commit()
