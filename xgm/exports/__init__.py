"""CSV exports of arrivals and complaints: small ones answered at once, large ones on the worker."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("exports", __name__)

#: Exports with more rows than this run on the worker (XGM_EXPORT_SYNC_MAX_ROWS overrides).
SYNC_MAX_ROWS = 5000


def init_app(app) -> None:
    """Add 导出 to the office navigation; default the synchronous export limit."""
    import os

    from xgm.home.nav import NavLink, register_nav_link

    app.config.setdefault(
        "XGM_EXPORT_SYNC_MAX_ROWS", int(os.environ.get("XGM_EXPORT_SYNC_MAX_ROWS", SYNC_MAX_ROWS))
    )
    register_nav_link(NavLink(75, "exports.index", _l("导出")))


from xgm.exports import views  # noqa: E402,F401  - registers the routes on bp
