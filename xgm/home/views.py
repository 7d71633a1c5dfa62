"""The signed-in home page."""

from flask import current_app, render_template, send_from_directory, url_for
from flask_login import current_user

from tenants import current_tenant
from xgm.accounts.access import office_required
from xgm.home import bp
from xgm.home.checklist import steps
from xgm.home.notices import notices


@bp.route("/")
def index():
    """Home: a landing page for visitors; for office users what needs attention and the steps."""
    if not current_user.is_authenticated:
        return render_template("home/landing.html")
    return _office_home()


@office_required()
def _office_home():
    """The signed-in office user's home: notices, the onboarding checklist."""
    items = [
        {"label": s.label, "hint": s.hint, "url": url_for(s.endpoint), "done": s.is_done()}
        for s in steps()
    ]
    done = sum(1 for i in items if i["done"])
    return render_template(
        "home/index.html",
        tenant=current_tenant,
        items=items,
        done=done,
        total=len(items),
        notices=notices(),
    )


@bp.route("/settings")
@office_required()
def settings():
    """One page leading to every setting: team, alerts, rider data, shifts, the password."""
    return render_template("home/settings.html", tenant=current_tenant)


@bp.route("/favicon.ico")
def favicon():
    """The site icon browsers ask for on their own."""
    response = send_from_directory(
        current_app.static_folder, "icons/favicon.ico", mimetype="image/vnd.microsoft.icon"
    )
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
