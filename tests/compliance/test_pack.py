"""The compliance pack: a PDF whose text (pdftotext) holds the company's own settings and counts."""

import subprocess
from datetime import timedelta

from tenants import Tenant, utcnow
from tests.dashboard import data
from tests.factories import make_site
from xgm.extensions import db
from xgm.privacy.jobs import purge_rider_data


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def test_pack_holds_settings_counts_and_measures(app, client, tmp_path):
    """Record of processing, entrusted-processing clause, the settings as set, the period's
    purges and access-log rows, and the measures in force."""
    site = make_site(app, client)
    site.office.post("/privacy", {"retention_days": "45", "audit_retention_days": "400"})
    with app.app_context():
        arrival_id = data.arrival(site.tenant_id, site.home, site.gate_id, utcnow())
        data.arrival(site.tenant_id, site.home, site.gate_id, utcnow() - timedelta(days=50))
        purge_rider_data()  # blanks the 50-day-old arrival (45 days kept), audited
    site.office.client.get(f"/arrivals/{arrival_id}")  # one access-log row
    response = site.office.client.get("/compliance.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text(response.data, tmp_path)
    flat = " ".join(text.split())
    assert "个人信息保护合规材料" in flat and "桐庐安居物业服务有限公司" in flat
    with app.app_context():
        assert db.session.get(Tenant, site.tenant_id).uscc in flat
    assert "骑手个人信息保留天数 45" in flat and "审计日志保留天数 400" in flat
    assert "45 天后自动删除" in flat and "门卫每班时长（小时） 12" in flat
    assert "委托处理条款" in flat and "受托人" in flat and "杭州市小哥码" in flat
    assert "自动清除运行次数 1" in flat
    assert "清除骑手信息的进出记录 / 投诉 1/0" in flat
    assert "个人信息查看记录（条） 1" in flat and "进出记录详情 1" in flat
    assert "连续错误 5 次锁定 15 分钟" in flat and "未配置 HTTPS" in flat


def test_pack_period_is_checked(app, client):
    """A bad period is a clear 400, not a PDF."""
    site = make_site(app, client)
    response = site.office.client.get("/compliance.pdf?from=2024-05-31&to=2024-05-01")
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.get_data(as_text=True)
