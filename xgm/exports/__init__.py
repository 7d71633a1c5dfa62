"""CSV exports of arrivals and complaints: small ones answered at once, large ones on the worker."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("exports", __name__)

#: Exports with more rows than this run on the worker (XGM_EXPORT_SYNC_MAX_ROWS overrides).
SYNC_MAX_ROWS = 5000


#: Settings of background exports (seconds): sweep interval, how long a queued export waits
#: before the sweep re-enqueues it, how long a running one may go silent, when to give up.
SETTINGS = {
    "XGM_EXPORT_SWEEP_INTERVAL": 60,
    "XGM_EXPORT_SWEEP_GRACE": 30,
    "XGM_EXPORT_LEASE": 300,
    "XGM_EXPORT_GIVE_UP": 7200,
}


def init_app(app) -> None:
    """Add 导出 to the office navigation, default the export settings, schedule the sweep,
    let the retention job delete old exports."""
    import os

    from xgm.exports.jobs import SWEEP
    from xgm.exports.retention import purge_exports
    from xgm.home.nav import NavLink, register_nav_link
    from xgm.privacy.registry import register_purge
    from xgm.queues.periodic import PeriodicJob, register_periodic

    app.config.setdefault(
        "XGM_EXPORT_SYNC_MAX_ROWS", int(os.environ.get("XGM_EXPORT_SYNC_MAX_ROWS", SYNC_MAX_ROWS))
    )
    for name, default in SETTINGS.items():
        app.config.setdefault(name, float(os.environ.get(name, default)))
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
