"""The compound guide for riders: a building map (uploaded, re-encoded, scaled) and amenities."""

from flask import Blueprint

bp = Blueprint("guide", __name__)

from xgm.guide import models, views  # noqa: E402,F401 - registers the routes on bp
