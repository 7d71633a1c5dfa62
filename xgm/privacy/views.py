"""The owner's privacy page: the retention period and who viewed riders' personal data."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tenants import current_tenant
from xgm.accounts.access import office_required
from xgm.audit import record
from xgm.extensions import db
from xgm.inputs.paging import paginate
from xgm.privacy import bp
from xgm.privacy.forms import RetentionForm
from xgm.privacy.models import PLACES, RiderDataAccess

PER_PAGE = 50


@bp.route("/privacy", methods=["GET", "POST"])
@office_required("owner")
def settings():
    """The owner sets how long rider personal data is kept, and reads the access log."""
    tenant = current_tenant._get_current_object()
    form = RetentionForm(obj=tenant)
    if form.validate_on_submit():
        for field, kind in (
            ("retention_days", "settings.retention"),
            ("audit_retention_days", "settings.audit_retention"),
        ):
            old, new = getattr(tenant, field), getattr(form, field).data
            if new is not None and old != new:
                record(kind, detail={"old": old, "new": new})
                setattr(tenant, field, new)
        db.session.commit()
        flash(_("已保存：骑手个人信息保留 %(n)d 天", n=tenant.retention_days), "success")
        return redirect(url_for("privacy.settings"))
    rider_code = (request.args.get("rider") or "").strip()[:32]
    query = select(RiderDataAccess).order_by(
        RiderDataAccess.created_at.desc(), RiderDataAccess.id.desc()
    )
    if rider_code:
        query = query.where(RiderDataAccess.rider_code == rider_code)
    page = paginate(query, PER_PAGE)
    return render_template(
        "privacy/settings.html",
        form=form,
        tenant=tenant,
        page=page,
        rider_code=rider_code,
        places=PLACES,
    )


@bp.route("/privacy/access")
@office_required("owner")
def access():
    """The access log searched by rider code and by viewer: whose data who saw, where, when."""
    rider_code = (request.args.get("rider_code") or "").strip()[:32]
    viewer = (request.args.get("viewer") or "").strip()[:50]
    query = select(RiderDataAccess).order_by(
        RiderDataAccess.created_at.desc(), RiderDataAccess.id.desc()
    )
    if rider_code:
        query = query.where(RiderDataAccess.rider_code == rider_code)
    if viewer:
        query = query.where(RiderDataAccess.actor_name == viewer)
    page = paginate(query, PER_PAGE)
    viewers = db.session.scalars(
        select(RiderDataAccess.actor_name)
        .distinct()
        .order_by(RiderDataAccess.actor_name)
        .limit(500)
    ).all()
    return render_template(
        "privacy/access.html",
        page=page,
        rider_code=rider_code,
        viewer=viewer,
        viewers=viewers,
        places=PLACES,
    )
