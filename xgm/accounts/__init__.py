"""Office accounts: sign-up, sign-in, sign-out, the team page and password changes."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from xgm.accounts import views  # noqa: E402,F401  - registers the routes on bp
