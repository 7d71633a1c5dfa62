"""Isolation world: tenant A's group robot, an event and its owner's notification."""

from tenants import tenant_context
from xgm.alerts.models import AlertHook
from xgm.extensions import db
from xgm.sealed import seal

ORDER = 80


def build(world) -> None:
    """Fill <hook_id> and <notification_id> with tenant A's objects."""
    from sqlalchemy import inspect, select

    from xgm.alerts import raise_event
    from xgm.alerts.models import Notification

    with world.app.app_context():
        tenant_id = inspect(world.tenant_a).identity[0]
        with tenant_context(tenant_id):
            url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=world-robot-key"
            hook = AlertHook(kind="wecom", name="甲群", url_enc=seal(url), events="overstay")
            db.session.add(hook)
            db.session.commit()
            world.ids["hook_id"] = hook.id
        raise_event(tenant_id, "agent_offline", ref="甲苑 · 东门", link="/devices")
        db.session.commit()
        with tenant_context(tenant_id):
            world.ids["notification_id"] = db.session.scalar(
                select(Notification.id).where(Notification.user_id == world.owner_a_id)
            )
