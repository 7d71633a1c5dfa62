"""The compound guide for riders: a building map (uploaded, re-encoded, scaled) and amenities."""

from flask import Blueprint

bp = Blueprint("guide", __name__)

#: Endpoints that take a building map upload (a larger request than the app's 2 MB limit).
UPLOAD_ENDPOINTS = ("guide.edit",)


def init_app(app) -> None:
    """Let the map upload through the request size limit: 5 MB and the form around it.

    Set before any other hook reads the body (the CSRF check reads the form first)."""
    from flask import request

    from xgm.guide.images import MAX_BYTES
    from xgm.guide.views import REQUEST_ALLOWANCE

    def _allow_map_upload():
        if request.endpoint in UPLOAD_ENDPOINTS:
            request.max_content_length = MAX_BYTES + REQUEST_ALLOWANCE

    app.before_request_funcs.setdefault(None, []).insert(1, _allow_map_upload)

    from flask_babel import lazy_gettext as _l

    from xgm.audit import register_kinds

    register_kinds(
        {
            "compound.guide_updated": _l("修改骑手指引"),
            "compound.map_deleted": _l("删除小区平面图"),
        }
    )


from xgm.guide import models, views  # noqa: E402,F401 - registers the routes on bp
