"""Team alerts: group robots (企业微信, 钉钉), in-app notifications (the bell), one entry point.

Other features call `raise_event(tenant_id, kind, compound_id=..., ref=..., detail=...,
link=...)` (events.py) with a kind of kinds.KINDS; it writes a notification for every active
office user and a delivery for every bot subscribed to the kind, and the worker sends them
(delivery.py, with retries and a delivery log). Messages carry codes and links only. Lasting
conditions (an agent or a phone offline) go through `watch.observe`, one alert per episode.
Low in the layers: imports accounts (the users to notify), nothing above.
"""

from flask import Blueprint

bp = Blueprint("alerts", __name__)


def raise_event(tenant_id: int, kind: str, **fields) -> int:
    """See xgm.alerts.events.raise_event (imported lazily: models load with the app)."""
    from xgm.alerts.events import raise_event as _raise

    return _raise(tenant_id, kind, **fields)


def init_app(app) -> None:
    """Schedule the delivery sweep and the offline watch, show the bell (settings: xgm/config.py)."""
    from flask_babel import lazy_gettext as _l

    from xgm.alerts import models  # noqa: F401 - the tables, for migrations
    from xgm.alerts.bell import unread_count
    from xgm.alerts.jobs import SWEEP
    from xgm.audit import register_kinds
    from xgm.queues.periodic import PeriodicJob, register_periodic

    register_kinds(
        {"alert_hook.created": _l("添加群机器人"), "alert_hook.deleted": _l("删除群机器人")},
        {"hook": _l("机器人"), "events": _l("提醒")},
    )

    register_periodic(
        PeriodicJob(
            name=SWEEP,
            func="xgm.alerts.jobs.sweep_job",
            queue="default",
            interval_key="XGM_ALERT_SWEEP_INTERVAL",
        )
    )
    from xgm.alerts.kinds import label

    app.jinja_env.globals["unread_notifications"] = unread_count
    app.jinja_env.globals["alert_kind_label"] = label


from xgm.alerts import views  # noqa: E402,F401 - registers the routes on bp
