"""The CSV files: columns with Chinese headers, the SQL that feeds them, UTF-8 with a BOM.

Rider names, phones and photos are left out on purpose: an export leaves the access log's
sight (PIPL); the rider code identifies the rider towards the city platform.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import func, select, tuple_

from xgm.complaints.labels import CATEGORY_LABELS, STATUS_LABELS
from xgm.complaints.models import Complaint
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.reporting.labels import OUTCOME_LABELS, reason_label
from xgm.reporting.periods import Period, to_local
from xgm.reporting.sqltime import seconds_between

BOM = "\ufeff"
#: Characters that make Excel read a cell as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _time(value) -> str:
    local = to_local(value)
    return local.strftime("%Y-%m-%d %H:%M:%S") if local is not None else ""


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _yes(flag: bool) -> str:
    return _("是") if flag else ""


def arrival_columns() -> list[tuple[str, Callable]]:
    """(Chinese header, row -> cell) of the arrivals CSV."""
    return [
        (_("扫码时间"), lambda r: _time(r.created_at)),
        (_("小区"), lambda r: r.compound_name),
        (_("门岗"), lambda r: r.gate_name),
        (_("骑手编码"), lambda r: r.rider_code),
        (_("配送平台"), lambda r: r.platform_name),
        (_("站点"), lambda r: r.station),
        (_("结果"), lambda r: str(OUTCOME_LABELS.get(r.outcome, r.outcome))),
        (
            _("原因"),
            lambda r: (
                reason_label(r.outcome, r.refusal if r.outcome == "refused" else r.reason)
                if r.outcome in ("denied", "refused")
                else ""
            ),
        ),
        (_("处理时间"), lambda r: _time(r.decided_at)),
        (_("处理人"), lambda r: r.decided_by_name),
        (_("等待秒数"), lambda r: "" if r.wait is None else f"{float(r.wait):.0f}"),
        (_("离线核验"), lambda r: _yes(r.offline)),
        (_("人工登记"), lambda r: _yes(r.manual)),
    ]


def complaint_columns() -> list[tuple[str, Callable]]:
    """(Chinese header, row -> cell) of the complaints CSV."""
    return [
        (_("投诉时间"), lambda r: _time(r.created_at)),
        (_("发生时间"), lambda r: _time(r.occurred_at)),
        (_("小区"), lambda r: r.compound_name or ""),
        (_("门岗"), lambda r: r.gate_name or ""),
        (_("骑手编码"), lambda r: r.rider_code),
        (_("类别"), lambda r: str(CATEGORY_LABELS.get(r.category, r.category))),
        (_("描述"), lambda r: r.description),
        (_("状态"), lambda r: str(STATUS_LABELS.get(r.status, r.status))),
        (_("城市平台编号"), lambda r: r.city_complaint_id or ""),
        (_("投诉人"), lambda r: r.reporter_name),
        (_("投诉人身份"), lambda r: _("门卫") if r.reporter_kind == "guard" else _("管理员")),
        (_("编号"), lambda r: r.reference),
    ]


def arrivals_query(period: Period):
    """The rows of the arrivals CSV for a period (current tenant), oldest first."""
    return (
        select(
            Arrival.created_at,
            Arrival.compound_name,
            Arrival.gate_name,
            Arrival.rider_code,
            Arrival.platform_name,
            Arrival.station,
            Arrival.outcome,
            Arrival.refusal,
            Arrival.reason,
            Arrival.decided_at,
            Arrival.decided_by_name,
            seconds_between(Arrival.created_at, Arrival.decided_at).label("wait"),
            Arrival.offline,
            Arrival.manual,
            Arrival.id.label("row_id"),
        )
        .where(Arrival.created_at >= period.start, Arrival.created_at < period.end)
        .order_by(Arrival.created_at, Arrival.id)
    )


def complaints_query(period: Period):
    """The rows of the complaints CSV for a period (current tenant), oldest first."""
    return (
        select(
            Complaint.created_at,
            Complaint.occurred_at,
            Compound.name.label("compound_name"),
            Gate.name.label("gate_name"),
            Complaint.rider_code,
            Complaint.category,
            Complaint.description,
            Complaint.status,
            Complaint.city_complaint_id,
            Complaint.reporter_name,
            Complaint.reporter_kind,
            Complaint.reference,
            Complaint.id.label("row_id"),
        )
        .outerjoin(Compound, Compound.id == Complaint.compound_id)
        .outerjoin(Gate, Gate.id == Complaint.gate_id)
        .where(Complaint.created_at >= period.start, Complaint.created_at < period.end)
        .order_by(Complaint.created_at, Complaint.id)
    )


EXPORTS = {
    "arrivals": (arrivals_query, arrival_columns, Arrival),
    "complaints": (complaints_query, complaint_columns, Complaint),
}


def count_rows(kind: str, period: Period) -> int:
    """How many rows the export of this kind and period will have."""
    model = EXPORTS[kind][2]
    return db.session.scalar(
        select(func.count())
        .select_from(model)
        .where(model.created_at >= period.start, model.created_at < period.end)
    )


def iter_rows(kind: str, period: Period, batch: int = 1000) -> Iterator:
    """The export's rows in (created_at, id) order, fetched in keyset batches.

    Each batch is a complete query, so the caller may commit between rows (progress updates)
    without breaking an open cursor.
    """
    build, _columns, model = EXPORTS[kind]
    last = None
    while True:
        query = build(period)
        if last is not None:
            query = query.where(tuple_(model.created_at, model.id) > last)
        rows = db.session.execute(query.limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = (rows[-1].created_at, rows[-1].row_id)


def render_csv(kind: str, rows: Iterable, progress: Callable[[int], None] | None = None) -> bytes:
    """The CSV bytes (UTF-8 with BOM, CRLF lines) of rows; progress(n) is called every 1,000."""
    columns = EXPORTS[kind][1]()
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _cell in columns])
    for n, row in enumerate(rows, start=1):
        writer.writerow([_safe(cell(row)) for _header, cell in columns])
        if progress is not None and n % 1000 == 0:
            progress(n)
    return out.getvalue().encode("utf-8")
