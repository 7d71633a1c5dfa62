"""The blocklist: rider codes a property refuses at one compound or at all of its compounds."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("blocks", __name__)


def init_app(app) -> None:
    """Add the blocklist to the office navigation."""
    from xgm.home.nav import NavLink, register_nav_link

    register_nav_link(NavLink(55, "blocks.index", _l("黑名单")))


from xgm.blocks import views  # noqa: E402,F401  - registers the routes on bp
from xgm.blocks.rules import active_block, add_block  # noqa: E402

__all__ = ["active_block", "add_block", "bp", "init_app"]
