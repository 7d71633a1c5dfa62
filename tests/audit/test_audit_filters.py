"""The audit page's person and date filters, and the same rows as CSV."""

import csv
import io
import json
from datetime import timedelta

from tenants import tenant_context, utcnow
from xgm.audit.models import AuditEvent
from xgm.extensions import db


def _add(site, rows):
    with site.app.app_context(), tenant_context(site.tenant_id):
        for kind, name, at in rows:
            db.session.add(
                AuditEvent(
                    kind=kind,
                    actor_kind="user",
                    actor_name=name,
                    created_at=at,
                    ip="10.0.0.1",
                    detail=json.dumps({"changes": {"name": ["甲", "=乙"]}}, ensure_ascii=False),
                )
            )
        db.session.commit()


def _kinds(html: str) -> list[str]:
    import re

    return re.findall(r'class="audit-row" data-kind="([^"]+)"', html)


def test_filters_by_person_and_beijing_dates(site):
    """?actor= keeps one person's rows; from/to are Beijing days (UTC+8)."""
    # 2024-05-01 23:30 Beijing is 15:30 UTC; 2024-05-02 00:30 Beijing is 16:30 UTC on the 1st.
    from datetime import datetime

    _add(
        site,
        [
            ("compound.updated", "王经理", datetime(2024, 5, 1, 15, 30)),
            ("gate.token_rotated", "赵经理", datetime(2024, 5, 1, 16, 30)),
        ],
    )
    client = site.office.client
    assert _kinds(client.get("/audit?actor=赵经理").get_data(as_text=True)) == [
        "gate.token_rotated"
    ]
    day1 = client.get("/audit?from=2024-05-01&to=2024-05-01").get_data(as_text=True)
    assert _kinds(day1) == ["compound.updated"]
    day2 = client.get("/audit?from=2024-05-02").get_data(as_text=True)
    assert "gate.token_rotated" in _kinds(day2) and "compound.updated" not in _kinds(day2)
    bad = client.get("/audit?from=2024-13-01")
    assert bad.status_code == 400 and "日期格式不正确" in bad.get_data(as_text=True)


def test_csv_has_the_filtered_rows_with_before_and_after(site):
    """/audit.csv: the same filters, Beijing time, who, what (before -> after), IP; formula-safe."""
    _add(site, [("compound.updated", "王经理", utcnow() - timedelta(minutes=1))])
    response = site.office.client.get("/audit.csv?kind=compound.updated")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["时间", "事件", "操作人类型", "操作人", "详情", "IP"]
    assert len(rows) == 2
    assert rows[1][1:4] == ["修改小区", "管理员", "王经理"] and rows[1][5] == "10.0.0.1"
    assert rows[1][4] == "改动: name: 甲 → =乙"
    assert site.office.client.get("/audit.csv?to=x").status_code == 400
