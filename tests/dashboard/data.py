"""Known data for the figure tests: compounds, gates, arrivals and complaints at exact times."""

import json
from datetime import datetime, timedelta

from tenants import tenant_context
from xgm.complaints.models import Complaint, new_reference
from xgm.compounds.models import Compound, Gate
from xgm.compounds.placing import apply_placement
from xgm.divisions.catalog import catalog
from xgm.divisions.resolve import Placement
from xgm.extensions import db
from xgm.passes.models import Arrival


def compound(tenant_id: int, name: str, division: str = "330106002052") -> int:
    """A compound placed in a division (宝石社区 of 北山街道 by default; call inside an app
    context), with the area names derived from it; returns its id."""
    with tenant_context(tenant_id):
        row = Compound(name=name)
        apply_placement(row, Placement(catalog().get(division)))
        db.session.add(row)
        db.session.commit()
        return row.id


def gate(tenant_id: int, compound_id: int, name: str = "东门", created_at: datetime | None = None):
    """A gate of a compound (created long ago unless told); returns its id."""
    with tenant_context(tenant_id):
        row = Gate(
            compound_id=compound_id,
            name=name,
            created_at=created_at or datetime(2020, 1, 1),
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def arrival(
    tenant_id: int,
    compound_id: int,
    gate_id: int,
    at: datetime,
    outcome: str = "admitted",
    wait: float | None = 10,
    platform: str = "美团",
    rider_code: str = "XGM330100000001",
    reason: str = "",
    refusal: str = "",
    name: str = "李骑手",
    phone: str = "13700001111",
    photo_url: str = "http://city.test/photos/1.jpg",
) -> int:
    """One arrival at a naive-UTC time; decided `wait` seconds later when admitted or denied."""
    decided = outcome in ("admitted", "denied") and wait is not None
    with tenant_context(tenant_id):
        row = Arrival(
            compound_id=compound_id,
            gate_id=gate_id,
            compound_name="小区",
            gate_name="东门",
            rider_code=rider_code,
            rider_name=name,
            rider_phone=phone,
            photo_url=photo_url,
            platform_code=platform,
            platform_name=platform,
            station="西湖站",
            rider_status="active",
            created_at=at,
            decided_at=at + timedelta(seconds=wait) if decided else None,
            decided_by_name="王门卫" if decided else "",
            outcome=outcome,
            reason=reason,
            refusal=refusal,
        )
        db.session.add(row)
        db.session.commit()
        return row.id


def complaint(
    tenant_id: int,
    compound_id: int,
    at: datetime,
    status: str = "received",
    gate_id: int | None = None,
    rider_code: str = "XGM330100000001",
    category: str = "no_helmet",
    description: str = "未戴头盔",
    rider_name: str = "李骑手",
) -> int:
    """One complaint filed at a naive-UTC time with a given status; returns its id."""
    with tenant_context(tenant_id):
        row = Complaint(
            reference=new_reference(at),
            compound_id=compound_id,
            gate_id=gate_id,
            rider_code=rider_code,
            rider_name=rider_name,
            category=category,
            description=description,
            occurred_at=at,
            reporter_kind="manager",
            reporter_name="王经理",
            status=status,
            payload=json.dumps({"reference": "x"}),
            created_at=at,
        )
        db.session.add(row)
        db.session.commit()
        return row.id
