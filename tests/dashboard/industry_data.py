"""Known data of the regulator's figures and the scorecard: 西湖区 with two tenants, and a
compound in 桐庐县 that must never count. All times are naive UTC (local = UTC + 8 h: a
02:00 UTC time is 10:00 in Beijing on the same date)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tenants import tenant_context
from tests.dashboard import data
from tests.dashboard.known import BAOSHI, SHUGUANG, XIHU
from tests.factories import create_tenant
from xgm.complaints.models import Complaint
from xgm.extensions import db
from xgm.passes.models import Arrival

TONGLU_VILLAGE = "330122002200"  # 旧县村, 桐庐县
PERIOD = {"period": "custom", "from": "2024-05-01", "to": "2024-05-14"}
COUNTY = XIHU


def day(d: int, month: int = 5) -> datetime:
    """10:00 Beijing time on a day of 2024 (as naive UTC)."""
    return datetime(2024, month, d, 2, 0)


@dataclass
class World:
    a: int
    b: int
    compounds: dict[str, int] = field(default_factory=dict)
    gates: dict[str, int] = field(default_factory=dict)
    complaints: dict[str, int] = field(default_factory=dict)


def arrival(tenant_id, compound_id, gate_id, at, outcome, wait, platform, station, team):
    arrival_id = data.arrival(
        tenant_id,
        compound_id,
        gate_id,
        at,
        outcome=outcome,
        wait=wait,
        platform=platform,
        refusal="suspended" if outcome == "refused" else "",
    )
    with tenant_context(tenant_id):
        row = db.session.get(Arrival, arrival_id)
        row.station, row.team = station, team
        db.session.commit()


def complaint(tenant_id, compound_id, at, status, rider, platform, station, team, **times):
    complaint_id = data.complaint(tenant_id, compound_id, at, status=status, rider_code=rider)
    with tenant_context(tenant_id):
        row = db.session.get(Complaint, complaint_id)
        row.platform_name, row.station, row.team = platform, station, team
        row.answer_due_at = at + timedelta(hours=24)
        row.resolve_due_at = at + timedelta(days=7)
        for name, hours in times.items():
            setattr(row, name, at + timedelta(hours=hours))
        db.session.commit()
    return complaint_id


MT, ELE = ("美团", "西湖站"), ("饿了么", "北山站")


def build(app) -> World:
    """甲一 (tenant A, 宝石社区: two active gates, one used), 乙二 (tenant B, 曙光社区),
    外县 (tenant A, 桐庐县: outside the county)."""
    with app.app_context():
        a, b = create_tenant("甲物业有限公司").id, create_tenant("乙物业有限公司").id
        w = World(a, b)
        w.compounds["甲一"] = data.compound(a, "甲一", BAOSHI)
        w.compounds["乙二"] = data.compound(b, "乙二", SHUGUANG)
        w.compounds["外县"] = data.compound(a, "外县", TONGLU_VILLAGE)
        w.gates["甲一"] = data.gate(a, w.compounds["甲一"])
        w.gates["甲一北"] = data.gate(a, w.compounds["甲一"], "北门")
        w.gates["乙二"] = data.gate(b, w.compounds["乙二"])
        w.gates["外县"] = data.gate(a, w.compounds["外县"])
        j, jg = w.compounds["甲一"], w.gates["甲一"]
        y, yg = w.compounds["乙二"], w.gates["乙二"]
        arrival(a, j, jg, day(2), "admitted", 10, *MT, "一队")
        arrival(a, j, jg, day(2), "admitted", 30, *MT, "一队")
        arrival(a, j, jg, day(3), "denied", 20, *MT, "二队")
        arrival(a, j, jg, day(7), "refused", None, *ELE, "三队")
        arrival(a, j, jg, day(8), "admitted", 100, *ELE, "三队")
        arrival(b, y, yg, day(8), "admitted", 5, *MT, "一队")
        arrival(b, y, yg, day(9), "expired", None, *MT, "一队")
        arrival(b, y, yg, day(9), "admitted", 40, *ELE, "三队")
        arrival(a, w.compounds["外县"], w.gates["外县"], day(8), "admitted", 500, *MT, "一队")
        w.complaints["c1"] = complaint(a, j, day(2), "forwarded", "R1", *MT, "一队", answered_at=2)
        w.complaints["c2"] = complaint(
            a, j, day(8), "resolved", "R1", *MT, "一队", answered_at=4, closed_at=30
        )
        w.complaints["c3"] = complaint(b, y, day(9), "received", "R2", *ELE, "三队")
        w.complaints["c4"] = complaint(
            a, w.compounds["外县"], day(9), "received", "R1", *MT, "一队"
        )
        w.complaints["c5"] = complaint(
            b, y, day(1, month=4), "investigating", "R1", *MT, "一队", answered_at=1
        )
        return w
