"""Guards: PIN accounts managed from the office, sign-in on enrolled gate phones, shift sessions."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

bp = Blueprint("guards", __name__)


def _any_guard() -> bool:
    from sqlalchemy import func, select

    from xgm.extensions import db
    from xgm.guards.models import Guard

    return bool(db.session.scalar(select(func.count()).select_from(Guard)))


def init_app(app) -> None:
    """Add the guards page to the office navigation and the onboarding checklist."""
    from xgm.home.checklist import Step, register_step
    from xgm.home.nav import NavLink, register_nav_link

    register_nav_link(NavLink(40, "guards.index", lazy_pgettext("plural", "门卫")))
    register_step(
        Step(
            40,
            "guards",
            _l("添加门卫"),
            "guards.index",
            _any_guard,
            _l("每位门卫有自己的 6 位 PIN"),
        )
    )


from xgm.guards import recheck, sessions, views  # noqa: E402,F401 - routes, "g" loader, signal
from xgm.guards.demo import register_demo_seeder  # noqa: E402

register_demo_seeder()
