"""The known data set of the figure tests, in Beijing local times (stored as naive UTC).

Tenant A, period 2024-05-01..2024-05-07 (local):
  compound 一号院 (西湖区 北山街道 宝石社区): gates 1号门, 2号门
  compound 二号院 (北山街道 金祝社区): gates 3号门, 4号门 (never scanned), 5号门 (last scan 04-20),
    6号门 (created 05-05, never scanned), 7号门 (inactive)
Tenant B: compound 乙院 (北山街道 宝石社区) and 西溪院 (西溪街道 文三社区); tenant C: 灵隐院
(灵隐街道 曙光社区).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update

from tenants import tenant_context
from tests.dashboard import data
from tests.factories import create_tenant
from xgm.compounds.models import Gate
from xgm.extensions import db

#: Divisions of 西湖区 (330106): 北山街道 (330106002000) and two of its communities, a
#: community of 西溪街道 and one of 灵隐街道.
XIHU = "330106"
BEISHAN = "330106002000"
BAOSHI = "330106002052"  # 宝石社区, 北山街道
JINZHU = "330106002053"  # 金祝社区, 北山街道
WENSAN = "330106004066"  # 文三社区, 西溪街道
LINGYIN = "330106012000"  # 灵隐街道
SHUGUANG = "330106012002"  # 曙光社区, 灵隐街道

#: "Now" for the idle-gate figure: 2024-05-08 20:00 Beijing time.
NOW = datetime(2024, 5, 8, 12, 0)


def local(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    """A Beijing wall-clock time of 2024 as the naive UTC the database stores."""
    return datetime(2024, month, day, hour, minute) - timedelta(hours=8)


@dataclass
class Known:
    """Ids of the known data set."""

    a: int = 0
    b: int = 0
    c: int = 0
    compounds: dict = field(default_factory=dict)
    gates: dict = field(default_factory=dict)


def build(app) -> Known:
    """Create the known data set (call with the test app)."""
    k = Known()
    with app.app_context():
        k.a = create_tenant("甲物业有限公司").id
        k.b = create_tenant("乙物业有限公司").id
        k.c = create_tenant("丙物业有限公司").id
        c1 = k.compounds["一号院"] = data.compound(k.a, "一号院", BAOSHI)
        c2 = k.compounds["二号院"] = data.compound(k.a, "二号院", JINZHU)
        c3 = k.compounds["乙院"] = data.compound(k.b, "乙院", BAOSHI)
        c4 = k.compounds["西溪院"] = data.compound(k.b, "西溪院", WENSAN)
        c5 = k.compounds["灵隐院"] = data.compound(k.c, "灵隐院", SHUGUANG)
        g = k.gates
        g[1], g[2] = data.gate(k.a, c1, "1号门"), data.gate(k.a, c1, "2号门")
        g[3], g[4], g[5] = (data.gate(k.a, c2, f"{n}号门") for n in (3, 4, 5))
        g[6] = data.gate(k.a, c2, "6号门", created_at=local(5, 10))
        g[7] = data.gate(k.a, c2, "7号门")
        with tenant_context(k.a):
            db.session.execute(update(Gate).where(Gate.id == g[7]).values(active=False))
            db.session.commit()
        g["b3"], g["b4"] = data.gate(k.b, c3), data.gate(k.b, c4)
        g["c5"] = data.gate(k.c, c5)

        a = k.a
        # Tenant A, compound 一号院, 1号门.
        data.arrival(a, c1, g[1], local(3, 8, 30), "admitted", 10, "美团")
        data.arrival(a, c1, g[1], local(3, 8, 45), "admitted", 20, "美团")
        data.arrival(a, c1, g[1], local(3, 9, 10), "admitted", 30, "饿了么")
        data.arrival(a, c1, g[1], local(3, 12, 0), "denied", 40, "达达", reason="未戴头盔")
        data.arrival(a, c1, g[1], local(3, 12, 5), "refused", None, "美团", refusal="suspended")
        data.arrival(a, c1, g[1], local(3, 18, 0), "expired", None, "美团")
        data.arrival(a, c1, g[1], local(3, 18, 30), "admitted", 50, "饿了么")
        # 2号门.
        data.arrival(a, c1, g[2], local(3, 20, 0), "admitted", 100, "美团")
        # 二号院, 3号门: late evening and just after midnight (hours 23 and 0 in Beijing).
        data.arrival(a, c2, g[3], local(3, 8, 10), "admitted", 5, "美团")
        data.arrival(a, c2, g[3], local(3, 23, 30), "admitted", 60, "美团")
        data.arrival(a, c2, g[3], local(4, 0, 30), "admitted", 15, "美团")
        # Outside the period: the evening before it starts, the first minute after it ends.
        data.arrival(a, c1, g[1], local(30, 23, 59, month=4), "admitted", 7, "美团")
        data.arrival(a, c1, g[1], local(8, 0, 0), "admitted", 7, "美团")
        # 5号门's last scan, long before the period.
        data.arrival(a, c2, g[5], local(20, 9, 0, month=4), "admitted", 9, "美团")
        data.complaint(a, c1, local(2, 10), "received", gate_id=g[1])
        data.complaint(a, c1, local(3, 12, 30), "resolved", gate_id=g[1])
        data.complaint(a, c2, local(5, 9), "queued")
        data.complaint(a, c1, local(20, 9, month=4), "received")

        # Tenant B: 乙院 (same street and community as 一号院) and 西溪院 (another street).
        b = k.b
        data.arrival(b, c3, g["b3"], local(4, 9), "admitted", 12, "美团", rider_code="XGMB1")
        data.arrival(b, c3, g["b3"], local(4, 10), "denied", 24, "饿了么", reason="无订单")
        data.arrival(b, c4, g["b4"], local(4, 11), "admitted", 8, "美团")
        data.complaint(b, c3, local(4, 10, 5), "investigating", rider_code="XGMB2")
        data.complaint(b, c4, local(4, 11, 5), "received", rider_code="XGMB4")
        # Tenant C: 灵隐院.
        data.arrival(k.c, c5, g["c5"], local(6, 9), "admitted", 3, "达达")
    return k
