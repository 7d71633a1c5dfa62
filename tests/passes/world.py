"""Isolation world: tenant A's arrival at its gate, and a block (fill <arrival_id>, <block_id>)."""

from sqlalchemy import inspect

from tenants import tenant_context
from xgm.blocks.models import Block
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.passes.models import Arrival

ORDER = 40


def build(world) -> None:
    """A pending arrival at tenant A's gate (the guard actor's compound) and a tenant-wide block."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.app_context(), tenant_context(tenant_a):
        compound = db.session.scalars(
            db.select(Compound).where(Compound.id == world.ids["compound_id"])
        ).one()
        gate = db.session.scalars(db.select(Gate).where(Gate.id == world.ids["gate_id"])).one()
        assert gate.compound_id == compound.id
        arrival = Arrival(
            compound_id=compound.id,
            gate_id=gate.id,
            compound_name=compound.name,
            gate_name=gate.name,
            rider_code="XGM330122000123",
            rider_name="王小明",
            rider_phone="13800001234",
            platform_name="美团外卖",
            rider_status="active",
        )
        block = Block(rider_code="XGM330106000202", reason="多次逆行")
        db.session.add_all([arrival, block])
        db.session.commit()
        world.ids["arrival_id"] = arrival.id
        world.ids["block_id"] = block.id
