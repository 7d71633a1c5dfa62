"""/complaints/settings: the owner sets the company's complaint deadlines (within limits)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from tenants import current_tenant
from xgm.accounts.access import office_required
from xgm.audit import record
from xgm.complaints import bp
from xgm.complaints.forms import DeadlineForm
from xgm.extensions import db


@bp.route("/complaints/settings", methods=["GET", "POST"])
@office_required("owner")
def settings():
    """The hours the city has for a first answer and the days for a resolution (new complaints)."""
    tenant = current_tenant._get_current_object()
    form = DeadlineForm(obj=tenant)
    if form.validate_on_submit():
        old = f"{tenant.complaint_answer_hours} h / {tenant.complaint_resolve_days} d"
        new = f"{form.complaint_answer_hours.data} h / {form.complaint_resolve_days.data} d"
        if old != new:
            record("settings.complaint_deadlines", detail={"old": old, "new": new})
        tenant.complaint_answer_hours = form.complaint_answer_hours.data
        tenant.complaint_resolve_days = form.complaint_resolve_days.data
        db.session.commit()
        flash(
            _(
                "已保存：首次答复 %(h)d 小时，办结 %(d)d 天（对之后提交的投诉生效）",
                h=tenant.complaint_answer_hours,
                d=tenant.complaint_resolve_days,
            ),
            "success",
        )
        return redirect(url_for("complaints.settings"), code=303)
    status = 400 if form.errors else 200
    return render_template("complaints/settings.html", form=form), status
