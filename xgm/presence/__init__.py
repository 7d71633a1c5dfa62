"""Exits and overstay: who is inside a compound, exits recorded three ways, overstay alerts.

`stays.py` holds inside/leave, `overstay.py` the alert's start and end (`overstay_started`,
`overstay_closed`) and its sweep, `views.py` the routes.
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("presence", __name__)

AUDIT_KINDS = {
    "arrival.overstay": _l("骑手超时停留"),
    "arrival.overstay_closed": _l("超时停留结束"),
}
AUDIT_LABELS = {"minutes": _l("停留分钟"), "rider": _l("骑手")}


def init_app(app) -> None:
    """Register the audit events and the overstay sweep."""
    from xgm.audit import register_kinds
    from xgm.presence.overstay import SWEEP
    from xgm.queues.periodic import PeriodicJob, register_periodic

    register_kinds(AUDIT_KINDS, AUDIT_LABELS)
    register_periodic(
        PeriodicJob(
            name=SWEEP,
            func="xgm.presence.overstay.sweep_job",
            queue="default",
            interval_key="XGM_OVERSTAY_SWEEP_INTERVAL",
        )
    )


from xgm.presence import views  # noqa: E402,F401 - registers the routes on bp
