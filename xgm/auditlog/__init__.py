"""The audit log page: the office reads and downloads the events `xgm.audit` records."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

#: Named "audit" as the log always was: its endpoints stay audit.index and audit.csv_file.
bp = Blueprint("audit", __name__)


def init_app(app) -> None:
    """Add the audit log to the office navigation."""
    from xgm.home.nav import NavLink, register_nav_link

    register_nav_link(NavLink(90, "audit.index", _l("审计")))


from xgm.auditlog import views  # noqa: E402,F401 - registers the routes on bp
