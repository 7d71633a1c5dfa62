"""The manager dashboard (/dashboard): figures of the company's gates for a period."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("dashboard", __name__)


def init_app(app) -> None:
    """Add 数据看板 to the office navigation and the figure filters to templates."""
    from xgm.home.nav import NavLink, register_nav_link
    from xgm.reporting.labels import duration, local_datetime

    register_nav_link(NavLink(70, "dashboard.index", _l("数据看板")))
    app.jinja_env.filters["duration"] = duration
    app.jinja_env.filters["local_datetime"] = local_datetime


from xgm.dashboard import views  # noqa: E402,F401  - registers the routes on bp
