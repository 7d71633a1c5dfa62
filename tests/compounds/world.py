"""Isolation world: tenant A's compound, gate and print run (fill <compound_id>, <gate_id>, ...)."""

from tenants import tenant_context
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.posters.models import PrintJob

ORDER = 20


def build(world) -> None:
    """Tenant A gets a compound with one active gate and one print run."""
    with world.app.app_context(), tenant_context(world.tenant_a.id):
        compound = Compound(name="甲小区", address="桐庐县桐君街道 1 号", hotline="0571-64610001")
        db.session.add(compound)
        db.session.flush()
        gate = Gate(compound_id=compound.id, name="东门")
        job = PrintJob(size="A4")
        db.session.add_all([gate, job])
        db.session.commit()
        world.ids["compound_id"] = compound.id
        world.ids["gate_id"] = gate.id
        world.ids["print_job_id"] = job.id
