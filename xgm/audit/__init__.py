"""The audit log: who did what, when, on which phone, from which address; append-only."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("audit", __name__)


def init_app(app) -> None:
    """Add the audit log to the office navigation."""
    from xgm.home.nav import NavLink, register_nav_link

    register_nav_link(NavLink(90, "audit.index", _l("审计")))


from xgm.audit import views  # noqa: E402,F401 - registers the routes on bp
from xgm.audit.events import KINDS, record, register_kinds  # noqa: E402

__all__ = ["KINDS", "bp", "init_app", "record", "register_kinds"]
