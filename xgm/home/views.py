"""The signed-in home page."""

from flask import render_template, url_for

from tenants import current_tenant
from xgm.accounts.access import office_required
from xgm.home import bp
from xgm.home.checklist import steps
from xgm.home.notices import notices


@bp.route("/")
@office_required()
def index():
    """Home: what needs attention (notices), the company's onboarding checklist, shortcuts."""
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
