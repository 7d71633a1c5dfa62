"""The public gate page a rider opens by scanning a poster's QR code: `/g/<token>`."""

from flask import Blueprint

bp = Blueprint("passes", __name__)

from xgm.passes import views  # noqa: E402,F401  - registers the routes on bp
