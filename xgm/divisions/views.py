"""GET /divisions: the children of a division, or the divisions whose name matches a query."""

from flask import abort, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from xgm.divisions import bp, may_read
from xgm.divisions.catalog import LEVELS, catalog

SEARCH_LIMIT = 20
MAX_QUERY = 20


def _not_found(message: str):
    response = jsonify({"error": {"code": 404, "title": _("页面不存在"), "message": message}})
    response.status_code = 404
    return response


def _cached(response):
    # The data changes only with a deployment; an hour in the browser's private cache.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/divisions")
def index():
    """`?parent=<code>`: that division's children (none: the provinces), as
    {"divisions": [{"code", "name", "level"}]}; `?q=<name>` (optional `within`, `levels`):
    up to 20 divisions whose name contains it, each with its `path` and `ancestors`."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not may_read():
        abort(403)
    divisions = catalog()
    query = (request.args.get("q") or "").strip()
    if query:
        return _search(query[:MAX_QUERY])
    parent = (request.args.get("parent") or "").strip()
    if parent and divisions.get(parent) is None:
        return _not_found(_("没有这个行政区划代码：%(code)s", code=parent[:20]))
    return _cached(jsonify({"divisions": [d.as_json() for d in divisions.children(parent)]}))


def _search(query: str):
    divisions = catalog()
    within = (request.args.get("within") or "").strip()
    if within and divisions.get(within) is None:
        return _not_found(_("没有这个行政区划代码：%(code)s", code=within[:20]))
    asked = [lv for lv in (request.args.get("levels") or "").split(",") if lv in LEVELS]
    found = divisions.search(
        query, within=within or None, levels=tuple(asked) or LEVELS, limit=SEARCH_LIMIT
    )
    items = []
    for division in found:
        above = divisions.ancestors(division.code)
        items.append(
            {
                **division.as_json(),
                "path": "".join(d.name for d in above),
                "ancestors": [d.code for d in above],
            }
        )
    return _cached(jsonify({"divisions": items}))
