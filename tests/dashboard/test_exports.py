"""CSV exports: BOM, Chinese headers, exact rows, bad dates, and large exports on the worker."""

import csv
import io

import pytest
from sqlalchemy import select

from tenants import Tenant, tenant_context
from tests.conftest import csrf_token, login
from tests.dashboard import known
from tests.factories import PASSWORD, create_user
from xgm.exports.jobs import build_export
from xgm.exports.models import ExportJob
from xgm.extensions import db
from xgm.queues import get_queue
from xgm.queues.worker import make_worker

PERIOD = {"from": "2024-05-01", "to": "2024-05-07"}
ARRIVAL_HEADERS = [
    "扫码时间",
    "小区",
    "门岗",
    "骑手编码",
    "配送平台",
    "站点",
    "结果",
    "原因",
    "处理时间",
    "处理人",
    "等待秒数",
    "离线核验",
    "人工登记",
]
COMPLAINT_HEADERS = [
    "投诉时间",
    "发生时间",
    "小区",
    "门岗",
    "骑手编码",
    "类别",
    "描述",
    "状态",
    "城市平台编号",
    "投诉人",
    "投诉人身份",
    "编号",
]


@pytest.fixture
def k(app):
    """The known data set."""
    return known.build(app)


@pytest.fixture
def owner(app, k):
    """Tenant A's owner, signed in."""
    with app.app_context():
        create_user(db.session.get(Tenant, k.a), "owner", email="owner@example.com")
    client = app.test_client()
    assert login(client, "owner@example.com", PASSWORD).status_code == 302
    return client


def _rows(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_arrivals_csv_has_bom_chinese_headers_and_the_period_rows(owner):
    """UTF-8 with BOM, the 13 Chinese columns, 11 rows of the period, oldest first."""
    response = owner.get("/exports/arrivals.csv", query_string=PERIOD)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="arrivals_2024-05-01_2024-05-07.csv"'
    )
    rows = _rows(response.data)
    assert rows[0] == ARRIVAL_HEADERS
    assert len(rows) == 12
    assert rows[1] == [
        "2024-05-03 08:10:00",
        "小区",
        "东门",
        "XGM330100000001",
        "美团",
        "西湖站",
        "放行",
        "",
        "2024-05-03 08:10:05",
        "王门卫",
        "5",
        "",
        "",
    ]
    denied = next(r for r in rows if r[6] == "门卫拒绝")
    refused = next(r for r in rows if r[6] == "系统拦截")
    assert (denied[7], denied[10], refused[7], refused[10]) == (
        "未戴头盔",
        "40",
        "小哥码已暂停",
        "",
    )


def test_arrivals_csv_leaves_out_rider_personal_data(owner):
    """No rider name, phone or photo in the export."""
    body = owner.get("/exports/arrivals.csv", query_string=PERIOD).data.decode("utf-8")
    for secret in ("李骑手", "13700001111", "photos/1.jpg"):
        assert secret not in body


def test_complaints_csv_columns_and_rows(owner):
    """The complaints export: BOM, 12 Chinese columns, the 3 complaints of the period."""
    response = owner.get("/exports/complaints.csv", query_string=PERIOD)
    assert response.status_code == 200
    rows = _rows(response.data)
    assert rows[0] == COMPLAINT_HEADERS
    assert [(r[0], r[2], r[5], r[7]) for r in rows[1:]] == [
        ("2024-05-02 10:00:00", "一号院", "未戴头盔", "城市平台已受理"),
        ("2024-05-03 12:30:00", "一号院", "未戴头盔", "已处理"),
        ("2024-05-05 09:00:00", "二号院", "未戴头盔", "待发送"),
    ]


def test_formula_like_cells_are_neutralised(app, owner, k):
    """A description starting with = is written as '= so Excel does not run it."""
    from tests.dashboard import data

    with app.app_context():
        data.complaint(k.a, k.compounds["一号院"], known.local(6, 9), description="=HYPERLINK(1)")
    rows = _rows(owner.get("/exports/complaints.csv", query_string=PERIOD).data)
    assert rows[-1][6] == "'=HYPERLINK(1)"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({}, "开始日期格式不正确"),
        ({"from": "2024-05-01", "to": "2024/05/07"}, "结束日期格式不正确"),
        ({"from": "2024-02-30", "to": "2024-03-01"}, "开始日期格式不正确"),
        ({"from": "2024-05-07", "to": "2024-05-01"}, "结束日期不能早于开始日期"),
        ({"from": "2023-01-01", "to": "2024-12-31"}, "时间范围最长 366 天"),
    ],
)
def test_bad_dates_are_400_with_a_chinese_message(owner, query, message):
    """Missing, malformed, impossible, reversed or too long periods: 400 with the reason."""
    response = owner.get("/exports/arrivals.csv", query_string=query)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_other_tenants_rows_are_not_exported(app, k):
    """Tenant B's owner exports only tenant B's 3 arrivals."""
    with app.app_context():
        create_user(db.session.get(Tenant, k.b), "owner", email="b@example.com")
    client = app.test_client()
    login(client, "b@example.com", PASSWORD)
    rows = _rows(client.get("/exports/arrivals.csv", query_string=PERIOD).data)
    assert len(rows) == 4


def test_large_export_runs_on_the_worker_with_progress(app, owner, k):
    """Above the limit: a confirm page, then POST queues an ExportJob; the job writes the CSV."""
    app.config["XGM_EXPORT_SYNC_MAX_ROWS"] = 5
    response = owner.get("/exports/arrivals.csv", query_string=PERIOD)
    assert response.status_code == 200
    assert "共 11 条" in response.get_data(as_text=True)
    token = csrf_token(owner, "/exports/arrivals.csv?from=2024-05-01&to=2024-05-07")
    response = owner.post(
        "/exports/new",
        data={
            "kind": "arrivals",
            "first_day": "2024-05-01",
            "last_day": "2024-05-07",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    progress_url = response.headers["Location"]
    export_id = int(progress_url.rsplit("/", 1)[1])
    with app.app_context():
        queue = get_queue("default")
        assert queue.job_ids == [f"xgm-export-{export_id}"]
        assert queue.fetch_job(f"xgm-export-{export_id}").args == [k.a, export_id]
    page = owner.get(progress_url).get_data(as_text=True)
    assert "排队中" in page and 'http-equiv="refresh"' in page
    assert owner.get(f"{progress_url}/download").status_code == 302
    assert make_worker(app, ["default"]).work(burst=True) is True  # the real RQ worker
    with app.app_context():
        assert build_export(k.a, export_id) == 0  # a second run leaves the finished file alone
        with tenant_context(k.a):
            job = db.session.scalars(select(ExportJob)).one()
            assert (job.status, job.rows_done, job.rows_total, job.percent) == ("done", 11, 11, 100)
    page = owner.get(progress_url).get_data(as_text=True)
    assert "下载 CSV" in page and 'http-equiv="refresh"' not in page
    download = owner.get(f"{progress_url}/download")
    assert download.status_code == 200
    direct = _rows(download.data)
    assert direct[0] == ARRIVAL_HEADERS and len(direct) == 12


def test_bad_export_request_is_400(owner):
    """An unknown kind in the POST: 400 with the reason."""
    token = csrf_token(owner, "/exports")
    response = owner.post(
        "/exports/new",
        data={
            "kind": "users",
            "first_day": "2024-05-01",
            "last_day": "2024-05-07",
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert "未知的导出类型" in response.get_data(as_text=True)


def test_export_pages_need_an_office_user(client):
    """Anonymous visitors are sent to /login."""
    response = client.get("/exports/arrivals.csv", query_string=PERIOD)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
