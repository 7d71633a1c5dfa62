"""Riders as xgm knows them: sign-in with the city platform, the rider cookie, status checks."""

from flask import Blueprint

bp = Blueprint("riders", __name__)


def init_app(app) -> None:
    """Drop cached rider cards when the city says a rider's status changed."""
    from xgm.riders.hooks import on_rider_status_changed
    from xgm.webhooks import register_handler

    register_handler("rider.status_changed", on_rider_status_changed)


from xgm.riders import views  # noqa: E402,F401  - registers the routes on bp
