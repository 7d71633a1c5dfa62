"""Complaints that start from an arrival: the guard console's 投诉 and the arrivals log's link."""

from sqlalchemy import select

from tenants import utcnow
from xgm.complaints.filing import Draft
from xgm.complaints.forms import ComplaintForm, to_local
from xgm.complaints.labels import category_text_zh
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.passes.models import Arrival


def prefill_from_arrival(form: ComplaintForm, arrival_id: int | None) -> Arrival | None:
    """Fill the manager's form from one of the tenant's arrivals (rider, compound, gate, time)."""
    if arrival_id is None:
        return None
    arrival = db.session.scalars(select(Arrival).where(Arrival.id == arrival_id)).first()
    if arrival is None or not arrival.rider_code:
        return None
    form.arrival_id.data = arrival.id
    form.rider_code.data = arrival.rider_code
    form.compound_id.data = arrival.compound_id
    form.gate_id.data = arrival.gate_id
    form.occurred_at.data = to_local(arrival.created_at).replace(second=0, microsecond=0)
    return arrival


def guard_draft(arrival: Arrival, guard, category: str, note: str) -> Draft:
    """What a guard files from an arrival card: now, at that gate, the category label if no note."""
    compound = db.session.scalars(select(Compound).where(Compound.id == arrival.compound_id)).one()
    gate = db.session.scalars(select(Gate).where(Gate.id == arrival.gate_id)).first()
    return Draft(
        compound=compound,
        gate=gate,
        rider_code=arrival.rider_code,
        rider_name=arrival.rider_name,
        category=category,
        description=note or category_text_zh(category),
        occurred_at=utcnow(),
        reporter_kind="guard",
        reporter_id=guard.id,
        reporter_name=guard.name,
        reporter_phone=guard.phone,
        arrival_id=arrival.id,
    )
