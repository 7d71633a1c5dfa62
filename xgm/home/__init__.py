"""The office home page, its onboarding checklist and the office navigation."""

from flask import Blueprint

bp = Blueprint("home", __name__)


def init_app(app) -> None:
    """Expose the navigation registry to templates."""
    from xgm.home.nav import nav_links

    app.jinja_env.globals["nav_links"] = nav_links


from xgm.home import views  # noqa: E402,F401
