"""Hostile values in paths and query strings: 404 for ids out of range, 400 for NUL, no 500."""

from datetime import timedelta

import pytest

from tenants import utcnow
from xgm.audit.models import AuditEvent
from xgm.exports.models import ExportJob
from xgm.extensions import db

HUGE_IDS = [str(2**31), str(2**63 - 1), str(2**63), "9" * 30, "1" * 5000]


@pytest.mark.parametrize("ident", HUGE_IDS)
@pytest.mark.parametrize(
    "template", ["/compounds/{}", "/complaints/{}", "/exports/{}", "/gates/{}/edit", "/guards/{}"]
)
def test_ids_beyond_the_column_range_in_paths_are_404(office, template, ident):
    """An id larger than the id columns can hold matches no object: 404."""
    assert office.client.get(template.format(ident)).status_code == 404


@pytest.mark.parametrize("ident", HUGE_IDS[:4])
@pytest.mark.parametrize(
    "path",
    [
        "/arrivals?compound_id={}",
        "/arrivals?gate_id={}",
        "/complaints/new?arrival_id={}",
    ],
)
def test_ids_beyond_the_range_in_query_strings_are_404(office, path, ident):
    """The same in a query string."""
    assert office.client.get(path.format(ident)).status_code == 404


def test_ids_in_range_still_filter(office):
    """A valid but unknown id just finds nothing."""
    assert office.client.get("/arrivals?compound_id=2147483647").status_code == 200
    assert office.client.get("/arrivals?compound_id=abc").status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/privacy?rider=%00", "/ops?q=%00", "/privacy?rider=a%00b"],
)
def test_nul_in_a_query_reaching_sql_is_a_400_in_chinese(office, path):
    """A NUL byte that would reach a SQL statement: 400 with a readable reason, on both databases."""
    response = office.client.get(path)
    if path.startswith("/ops"):
        assert response.status_code == 403  # an office user is no operator: never reaches SQL
        return
    assert response.status_code == 400
    assert "提交的内容含有无法识别的字符（如空字符），请删除后重试。" in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    "query",
    [
        "period=custom&from=0001-01-01&to=0001-01-02",
        "period=custom&from=9999-12-30&to=9999-12-31",
        "period=custom&from=1999-12-31&to=2000-01-01",
    ],
)
def test_far_dates_in_report_periods_are_400(office, query):
    """Dashboard and CSV export periods outside 2000-01-01..2099-12-31: 400 with the reason."""
    for path in ("/dashboard", "/exports/arrivals.csv", "/exports/complaints.csv"):
        response = office.client.get(f"{path}?{query}")
        assert response.status_code == 400, path
        assert "日期应在 2000-01-01 到 2099-12-31 之间" in response.get_data(as_text=True)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_far_days_in_filters_are_ignored(office, day):
    """The arrivals log and the complaints list answer 200 (the filter is not used)."""
    assert office.client.get(f"/arrivals?day={day}").status_code == 200
    response = office.client.get(f"/complaints?date_from={day}&date_to={day}")
    assert response.status_code == 200
    assert "日期应在 2000-01-01 到 2099-12-31 之间" in response.get_data(as_text=True)


def test_an_export_with_a_far_period_is_never_queued(office):
    """POST /exports/new for year 1: 400 with the reason, and no ExportJob row at all."""
    response = office.post(
        "/exports/new", {"kind": "arrivals", "first_day": "0001-01-01", "last_day": "0001-01-31"}
    )
    assert response.status_code == 400
    assert "日期应在 2000-01-01 到 2099-12-31 之间" in response.get_data(as_text=True)
    assert office.count(ExportJob) == 0


@pytest.mark.parametrize("page", ["3", "99", str(2**31), str(2**63), "9" * 50])
def test_huge_page_numbers_show_the_last_page(office, page):
    """?page= past the end (however large) shows the last page, not an error or an empty page."""
    now = utcnow()
    with office.tenant():
        db.session.add_all(
            AuditEvent(
                kind="guard.created",
                actor_kind="system",
                detail=f'{{"guard": "门卫{i:02d}"}}',
                created_at=now - timedelta(minutes=i),
            )
            for i in range(60)
        )
        db.session.commit()
    response = office.client.get(f"/audit?page={page}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "第 2 / 2 页" in html
    assert "门卫59" in html and "门卫50" in html and "门卫49" not in html


@pytest.mark.parametrize("page", ["0", "-3", "abc", "١"])
def test_odd_page_numbers_show_the_first_page(office, page):
    """Anything that is not a page number shows page 1."""
    assert office.client.get(f"/audit?page={page}").status_code == 200


def test_the_statement_guard_looks_into_every_parameter_shape():
    """Texts alone, in dicts, lists and tuples (executemany rows): NUL and lone surrogates are
    refused wherever they sit; ASCII, Chinese and non-text values pass."""
    from xgm.inputs.sqlguard import UnsafeText, _check

    _check({"name": "张三", "code": "XGM000001", "n": 3, "none": None, "blob": b"\x00"})
    _check([{"a": "ok"}, {"a": "好"}])
    for bad in (
        "a\x00b",
        {"name": "张\x00三"},
        {"name": "\ud800"},
        [{"a": "ok"}, {"a": "x\x00"}],
        ("ok", ("nested", "\udfff")),
    ):
        with pytest.raises(UnsafeText):
            _check(bad)
