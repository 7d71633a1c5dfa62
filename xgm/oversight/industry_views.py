"""`/oversight/industry` and `/oversight/industry.csv`: the county or city regulator's end."""

import csv
import io

from flask import Response, abort, render_template, request
from flask_babel import gettext as _

from tenants import unscoped
from xgm.complaints.labels import CATEGORY_LABELS, STATUS_LABELS
from xgm.errors import render_error
from xgm.exports.csvfiles import BOM, FORMULA_START
from xgm.oversight import bp
from xgm.oversight.access import current_observer, observer_required
from xgm.oversight.area import area_compounds
from xgm.oversight.industry import industry, local_time
from xgm.reporting import figures
from xgm.reporting.periods import PeriodError, period_from_args

#: Rows of a table shown on the page (the CSV has them all).
PAGE_ROWS = 100
#: Division levels whose regulators see the industry page.
REGULATOR_LEVELS = ("county", "city")


def regulator_required(view):
    """Only a regulator (role 监管) of a county or city: other observers get 403."""
    from functools import wraps

    @wraps(view)
    @observer_required
    def wrapped(*args, **kwargs):
        observer = current_observer()
        if observer.role != "regulator" or observer.level not in REGULATOR_LEVELS:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _load():
    """(period, area, compounds by id, Industry) of the request, or a PeriodError."""
    observer = current_observer()
    period = period_from_args(request.args)
    area = area_compounds(observer)
    compounds = {compound.id: (compound, tenant) for compound, tenant in area}
    scope = figures.Scope(
        period.start,
        period.end,
        compound_ids=tuple(compounds),
        tenant_ids=tuple(sorted({t.id for _c, t in area})),
    )
    with unscoped():  # cross-tenant read, limited to the regulator's division by the scope
        data = industry(scope)
    return period, area, compounds, data


@bp.route("/oversight/industry")
@regulator_required
def industry_page():
    """The industry in the regulator's county or city: platforms, teams, complaints, trends."""
    try:
        period, area, compounds, data = _load()
    except PeriodError as exc:
        return render_error(400, str(exc))
    return render_template(
        "oversight/industry.html",
        observer=current_observer(),
        period=period,
        area=area,
        compounds=compounds,
        data=data,
        category_labels=CATEGORY_LABELS,
        status_labels=STATUS_LABELS,
        tables=[_with_numeric(name, *_table(name, compounds, data)) for name in TABLES],
        page_rows=PAGE_ROWS,
    )


def _n(value):
    """A figure as it is (None: no value; the page shows —, the CSV an empty cell)."""
    return value


def _kinds(kinds) -> str:
    names = {"answer": _("超时未答复"), "resolve": _("超时未办结")}
    return "、".join(names[k] for k in kinds)


def _table(name: str, compounds, data) -> tuple[list[str], list[list]]:
    """(headers, rows) of one table, as on the page."""
    counts = [
        _("扫码"),
        _("进入"),
        _("门卫拒绝"),
        _("规则拦截"),
        _("投诉"),
        _("每千次进入拒绝"),
        _("每千次进入投诉"),
    ]

    def count_cells(r):
        return [
            r.scans,
            r.entries,
            r.denied,
            r.refused,
            r.complaints,
            _n(r.refusals_per_1000),
            _n(r.complaints_per_1000),
        ]

    if name == "platforms":
        return [_("配送平台"), *counts], [[r.key[0], *count_cells(r)] for r in data.platforms]
    if name == "teams":
        return [_("配送平台"), _("站点"), _("队伍"), *counts], [
            [*r.key, *count_cells(r)] for r in data.teams
        ]
    if name == "weeks":
        return [_("周（周一）"), *counts], [[r.key[0], *count_cells(r)] for r in data.weeks]
    if name == "complaint_times":
        t = data.times
        return [_("指标"), _("数值")], [
            [_("投诉数"), t.filed],
            [_("已答复"), t.answered],
            [_("答复用时中位数（小时）"), _n(t.response_median)],
            [_("答复用时 P90（小时）"), _n(t.response_p90)],
            [_("已办结"), t.resolved],
            [_("办结用时中位数（小时）"), _n(t.resolution_median)],
            [_("办结用时 P90（小时）"), _n(t.resolution_p90)],
            [_("处理中"), t.open],
            [_("超时未答复"), t.overdue_answer],
            [_("超时未办结"), t.overdue_resolve],
        ]
    if name == "overdue":
        return [
            _("提交时间"),
            _("小区"),
            _("物业公司"),
            _("骑手编码"),
            _("配送平台"),
            _("类别"),
            _("状态"),
            _("超时"),
        ], [
            [
                local_time(o["created_at"]),
                compounds[o["compound_id"]][0].name if o["compound_id"] in compounds else "",
                compounds[o["compound_id"]][1].name if o["compound_id"] in compounds else "",
                o["rider_code"],
                o["platform_name"],
                str(CATEGORY_LABELS.get(o["category"], o["category"])),
                str(STATUS_LABELS.get(o["status"], o["status"])),
                _kinds(o["kinds"]),
            ]
            for o in data.overdue
        ]
    if name == "riders":
        return [_("骑手编码"), _("投诉"), _("涉及小区"), _("投诉类别数"), _("最近一次")], [
            [
                r["rider_code"],
                r["complaints"],
                r["compounds"],
                r["categories"],
                local_time(r["latest"]),
            ]
            for r in data.riders
        ]
    if name == "compounds":
        return [
            _("排名"),
            _("小区"),
            _("物业公司"),
            _("决定次数"),
            _("决定用时中位数（秒）"),
            _("决定用时 P90（秒）"),
        ], [
            [
                c.rank,
                compounds[c.compound_id][0].name,
                compounds[c.compound_id][1].name,
                c.decisions,
                _n(c.median),
                _n(c.p90),
            ]
            for c in data.compounds
            if c.compound_id in compounds
        ]
    raise KeyError(name)


def _with_numeric(name: str, headers: list, rows: list) -> tuple:
    """(name, title, headers, rows, numeric column indexes) for the page."""
    numeric = {
        i
        for i in range(len(headers))
        if any(isinstance(r[i], int | float) for r in rows)
        and all(r[i] is None or isinstance(r[i], int | float) for r in rows)
    }
    return name, TITLES[name], headers, rows, numeric


TABLES = ("platforms", "teams", "complaint_times", "overdue", "riders", "compounds", "weeks")


class _Titles(dict):
    """Table titles, translated when read (inside a request)."""

    def __getitem__(self, name):
        return {
            "platforms": _("按配送平台"),
            "teams": _("按站点 / 队伍"),
            "complaint_times": _("投诉答复与办结"),
            "overdue": _("超时投诉"),
            "riders": _("多次被投诉的骑手编码"),
            "compounds": _("小区决定用时排名（最慢在前）"),
            "weeks": _("每周趋势"),
        }[name]


TITLES = _Titles()


def _safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@bp.route("/oversight/industry.csv")
@regulator_required
def industry_csv():
    """One table of the regulator's page as CSV (UTF-8 with BOM): ?table=<name>&period=..."""
    name = request.args.get("table", "")
    if name not in TABLES:
        return render_error(400, _("请选择要导出的表格：%(names)s", names="、".join(TABLES)))
    try:
        period, _area, compounds, data = _load()
    except PeriodError as exc:
        return render_error(400, str(exc))
    headers, rows = _table(name, compounds, data)
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_safe(cell) for cell in row])
    filename = f"industry-{name}-{period.first_day.isoformat()}-{period.last_day.isoformat()}.csv"
    return Response(
        out.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
