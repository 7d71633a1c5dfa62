"""The community and street officials' read-only view (/oversight) of the compounds in their area."""

from flask import Blueprint

bp = Blueprint("oversight", __name__)


def init_app(app) -> None:
    """Register the observer principal kind and let observers sign in at /login."""
    from xgm.accounts.sessions import register_loader, register_password_principal
    from xgm.oversight.access import find_observer, load_observer

    register_loader("ob", load_observer)
    register_password_principal(find_observer)


from xgm.oversight import industry_views, scorecard_views, views  # noqa: E402,F401  - registers the routes on bp
