"""The audit log page and its CSV: newest first, filtered by kind, person and date; read-only."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import Response, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from chinatime import CN_OFFSET
from xgm.accounts.access import office_required
from xgm.audit.events import KINDS, describe
from xgm.audit.models import AuditEvent
from xgm.auditlog import bp
from xgm.extensions import db
from xgm.inputs import in_supported_range
from xgm.inputs.paging import paginate

PER_PAGE = 50
#: Rows in one CSV download (a busy company's half year fits; narrow the dates for more).
CSV_MAX_ROWS = 100_000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Filters:
    """The audit filters of a request: kind, actor name, first and last Beijing day."""

    kind: str = ""
    actor: str = ""
    first: date | None = None
    last: date | None = None
    error: str = ""

    def args(self, page: int | None = None) -> dict:
        """The filters as query arguments (for pager and CSV links)."""
        return {
            "kind": self.kind or None,
            "actor": self.actor or None,
            "from": self.first.isoformat() if self.first else None,
            "to": self.last.isoformat() if self.last else None,
            "page": page,
        }


def _day(value: str | None) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not in_supported_range(day):
        raise ValueError(value)
    return day


def _filters() -> Filters:
    f = Filters()
    kind = request.args.get("kind", "")
    f.kind = kind if kind in KINDS else ""
    f.actor = (request.args.get("actor") or "").strip()[:50]
    try:
        f.first = _day(request.args.get("from"))
        f.last = _day(request.args.get("to"))
    except ValueError:
        f.first = f.last = None
        f.error = _("日期格式不正确，请使用 YYYY-MM-DD，例如 2024-05-01")
    return f


def _query(f: Filters):
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if f.kind:
        query = query.where(AuditEvent.kind == f.kind)
    if f.actor:
        query = query.where(AuditEvent.actor_name == f.actor)
    if f.first:
        query = query.where(
            AuditEvent.created_at >= datetime.combine(f.first, time.min) - CN_OFFSET
        )
    if f.last:
        end = datetime.combine(f.last + timedelta(days=1), time.min) - CN_OFFSET
        query = query.where(AuditEvent.created_at < end)
    return query


def _actors() -> list[str]:
    """The names that appear as actors, for the person filter."""
    return list(
        db.session.scalars(
            select(AuditEvent.actor_name)
            .where(AuditEvent.actor_name != "")
            .distinct()
            .order_by(AuditEvent.actor_name)
            .limit(500)
        )
    )


@bp.route("/audit")
@office_required()
def index():
    """Owners and managers read the company's audit log (there is no way to edit it)."""
    f = _filters()
    page = paginate(_query(f), PER_PAGE)
    return render_template(
        "audit/index.html",
        page=page,
        f=f,
        kind=f.kind,
        kinds=KINDS,
        actors=_actors(),
        describe=describe,
    ), (400 if f.error else 200)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _actor_label(kind: str) -> str:
    labels = {"user": _("管理员"), "guard": _("门卫"), "device": _("手机"), "rider": _("骑手")}
    labels["gate_agent"] = _("开闸器")
    return labels.get(kind, _("系统"))


@bp.route("/audit.csv")
@office_required()
def csv_file():
    """The filtered audit log as a CSV (UTF-8 with BOM, Beijing time), for auditors."""
    f = _filters()
    if f.error:
        return Response(f.error, status=400, mimetype="text/plain")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("时间"), _("事件"), _("操作人类型"), _("操作人"), _("详情"), _("IP")])
    rows = db.session.scalars(_query(f).limit(CSV_MAX_ROWS))
    for e in rows:
        facts = "; ".join(f"{label}: {value}" if label else value for label, value in describe(e))
        writer.writerow(
            [
                _cell((e.created_at + CN_OFFSET).strftime("%Y-%m-%d %H:%M:%S")),
                _cell(str(KINDS.get(e.kind, e.kind))),
                _cell(_actor_label(e.actor_kind)),
                _cell(e.actor_name),
                _cell(facts),
                _cell(e.ip),
            ]
        )
    response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=audit.csv"
    return response
