"""CSV exports of arrivals and complaints: small ones answered at once, large ones on the worker."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("exports", __name__)


def init_app(app) -> None:
    """Add 导出 to the office navigation, schedule the sweep, let the retention job delete old
    exports (settings: xgm/config.py)."""
    from xgm.exports.jobs import SWEEP
    from xgm.exports.retention import purge_exports
    from xgm.home.nav import NavLink, register_nav_link
    from xgm.privacy.registry import register_purge
    from xgm.queues.periodic import PeriodicJob, register_periodic

    register_nav_link(NavLink(75, "exports.index", _l("导出")))
    register_purge("exports", purge_exports)
    register_periodic(
        PeriodicJob(
            name=SWEEP,
            func="xgm.exports.jobs.sweep_exports",
            queue="default",
            interval_key="XGM_EXPORT_SWEEP_INTERVAL",
        )
    )


from xgm.exports import views  # noqa: E402,F401  - registers the routes on bp
