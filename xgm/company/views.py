"""The owner's company account page: take all the data out, close the account."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import PasswordField
from wtforms.validators import InputRequired

from tenants import current_tenant, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.accounts.passwords import verify_secret
from xgm.accounts.sessions import sign_out
from xgm.audit import record
from xgm.company import GRACE_DAYS, bp
from xgm.company.closure import close_company
from xgm.exports.jobs import queue_export
from xgm.exports.models import ExportJob
from xgm.extensions import db, limiter
from xgm.inputs.forms import Form
from xgm.reporting.periods import local_today, to_local

RECENT = 5


class CloseForm(Form):
    """Close the company's account: the owner's password confirms it."""

    password = PasswordField(
        _l("您的登录密码"), validators=[InputRequired(message=_l("请输入登录密码"))]
    )


def _page(close_form: CloseForm, status: int = 200):
    exports = db.session.scalars(
        select(ExportJob)
        .where(ExportJob.kind == "company")
        .order_by(ExportJob.created_at.desc(), ExportJob.id.desc())
        .limit(RECENT)
    ).all()
    return render_template(
        "company/settings.html",
        tenant=current_tenant._get_current_object(),
        exports=exports,
        export_form=ConfirmForm(),
        close_form=close_form,
        grace_days=GRACE_DAYS,
    ), status


@bp.route("/settings/company")
@office_required("owner")
def settings():
    """The owner's company account: export all data as a ZIP, close the account."""
    return _page(CloseForm(formdata=None))


@bp.route("/settings/export", methods=["POST"])
@office_required("owner")
def export():
    """Start the ZIP export of all the company's data on the worker; show its progress."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_office_user()
    tenant = current_tenant._get_current_object()
    job = ExportJob(
        kind="company",
        first_day=to_local(tenant.created_at).date(),
        last_day=local_today(),
        requested_by_user_id=user.id,
        requested_by_name=user.name,
    )
    db.session.add(job)
    record("company.export_requested")
    db.session.commit()
    queue_export(job)  # Redis down: it stays queued and the sweep enqueues it later
    return redirect(url_for("exports.progress", export_id=job.id), code=303)


@bp.route("/settings/close", methods=["POST"])
@office_required("owner")
@limiter.limit("5 per hour")
def close():
    """Close the account with the owner's password: suspended now, deleted after 30 days."""
    form = CloseForm()
    user = current_office_user()
    if not form.validate_on_submit():
        return _page(form, 400)
    if not verify_secret(user.password_hash, form.password.data):
        form.password.errors.append(_("密码不正确"))
        return _page(form, 400)
    tenant = current_tenant._get_current_object()
    now = utcnow()
    close_company(tenant, now)
    record(
        "company.closed",
        detail={"delete_after": to_local(tenant.delete_after).strftime("%Y-%m-%d %H:%M")},
    )
    db.session.commit()
    sign_out(user)
    flash(
        _(
            "公司账号已关闭并停用，所有数据将在 %(when)s 删除；如需撤销，请在此之前联系平台运营方。",
            when=to_local(tenant.delete_after).strftime("%Y-%m-%d"),
        ),
        "info",
    )
    return redirect(url_for("accounts.login"), code=303)
