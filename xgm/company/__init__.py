"""The company's own account (PIPL art. 47): take all its data out, close the account.

`POST /settings/export` starts the ZIP export of every table (xgm/exports/company.py);
`POST /settings/close` (owner, password) suspends the company at once and the daily
`delete-closed-companies` job deletes it 30 days later; the operator sees it pending on
/ops and can cancel on request. The deletion is logged in the operator log with counts only.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("company", __name__)

#: Days between closing an account and its deletion.
GRACE_DAYS = 30


def init_app(app) -> None:
    """The settings link and the periodic deletion of closed companies."""
    from xgm.home.nav import NavLink, register_nav_link
    from xgm.queues.periodic import PeriodicJob, register_periodic

    register_nav_link(NavLink(95, "company.settings", _l("公司账号")))
    register_periodic(
        PeriodicJob(
            name="delete-closed-companies",
            func="xgm.company.closure.delete_due_companies",
            queue="default",
            interval_key="XGM_CLOSURE_INTERVAL",
            timeout=3600,
        )
    )


from xgm.company import views  # noqa: E402,F401 - registers the routes on bp
