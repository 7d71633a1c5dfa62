"""The rider's scan and live pass, arrivals, and the guard console's live feed of them."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("passes", __name__)


def init_app(app) -> None:
    """Register the arrivals log link, the city event handler and the expiry CLI."""
    import click

    from xgm.home.nav import NavLink, register_nav_link
    from xgm.passes.jobs import expire_arrivals, on_rider_status_changed
    from xgm.webhooks import register_handler

    register_nav_link(NavLink(50, "passes.arrivals", _l("到访记录")))
    register_handler("rider.status_changed", on_rider_status_changed)

    @app.cli.command("expire-arrivals")
    def expire_arrivals_command():
        """Expire pending arrivals older than 10 minutes (every tenant)."""
        click.echo(f"expired {expire_arrivals()} arrivals")


from xgm.passes import log, views  # noqa: E402,F401  - registers the routes on bp
