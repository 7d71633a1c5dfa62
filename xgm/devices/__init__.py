"""Shared gate phones: one-time enrollment codes, the signed device cookie, revocation."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

bp = Blueprint("devices", __name__)


def _any_phone_enrolled() -> bool:
    from sqlalchemy import func, select

    from xgm.devices.models import Device
    from xgm.extensions import db

    return bool(
        db.session.scalar(
            select(func.count()).select_from(Device).where(Device.revoked_at.is_(None))
        )
    )


def init_app(app) -> None:
    """Add the phones page to the office navigation and the onboarding checklist; watch phones."""
    from xgm.alerts.jobs import register_watcher
    from xgm.devices.alerting import watch_phones
    from xgm.home.checklist import Step, register_step
    from xgm.home.nav import NavLink, register_nav_link

    register_watcher("phone_offline", watch_phones)
    register_nav_link(NavLink(50, "devices.index", lazy_pgettext("plural", "手机")))
    register_step(
        Step(
            50,
            "devices",
            _l("登记门岗手机"),
            "devices.index",
            _any_phone_enrolled,
            _l("门卫只能在登记过的手机上登录"),
        )
    )


from xgm.devices import views  # noqa: E402,F401 - registers the routes on bp
