"""Isolation world: tenant A's complaint about a rider at its compound, with a photo (fills
<complaint_id> and <photo_id>)."""

from datetime import timedelta

from sqlalchemy import inspect, select

from tenants import tenant_context, utcnow
from xgm.complaints.filing import Draft, file_complaint
from xgm.complaints.models import ComplaintPhoto
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db

ORDER = 50


def build(world) -> None:
    """A queued complaint filed by tenant A's owner at the world's compound and gate."""
    tenant_a = inspect(world.tenant_a).identity[0]
    with world.app.test_request_context(), tenant_context(tenant_a):
        compound = db.session.scalars(
            select(Compound).where(Compound.id == world.ids["compound_id"])
        ).one()
        gate = db.session.scalars(select(Gate).where(Gate.id == world.ids["gate_id"])).one()
        complaint = file_complaint(
            Draft(
                compound=compound,
                gate=gate,
                rider_code="XGM330122000123",
                category="rude_behaviour",
                description="与门卫发生言语冲突",
                occurred_at=utcnow() - timedelta(minutes=3),
                reporter_kind="manager",
                reporter_id=world.owner_a_id,
                reporter_name="甲经理",
                reporter_phone="13900000000",
            )
        )
        world.ids["complaint_id"] = complaint.id
        photo = ComplaintPhoto(
            complaint_id=complaint.id,
            content_type="image/png",
            sha256="0" * 64,
            size=8,
            data=b"\x89PNG\r\n\x1a\n",
        )
        db.session.add(photo)
        db.session.commit()
        world.ids["photo_id"] = photo.id
