"""Gate phones: managers enroll, list, name and revoke them; a phone enrolls itself with a code."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from printables.screen import screen_qr_svg
from tenants import get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.audit import record
from xgm.compounds.models import Compound, Gate
from xgm.devices import bp
from xgm.devices.access import current_device
from xgm.devices.enrollment import (
    CODE_LENGTH,
    CODE_TTL,
    EnrollmentError,
    create_code,
    enroll_url,
    error_message,
    redeem_code,
    set_device_cookie,
)
from xgm.devices.forms import EnrollForm, NewCodeForm, RenameForm
from xgm.devices.models import Device, EnrollmentCode
from xgm.devices.revocation import revoke_device
from xgm.extensions import db, limiter


def _compounds() -> list[Compound]:
    return list(
        db.session.scalars(
            select(Compound).where(Compound.archived.is_(False)).order_by(Compound.name)
        )
    )


def _devices_page(status: int = 200, error: str | None = None):
    devices = db.session.scalars(
        select(Device).order_by(Device.revoked_at.is_not(None), Device.compound_id, Device.name)
    ).all()
    return (
        render_template(
            "devices/index.html",
            devices=devices,
            compounds=_compounds(),
            code_form=NewCodeForm(),
            rename_form=RenameForm,
            confirm=ConfirmForm(),
            error=error,
        ),
        status,
    )


@bp.route("/devices")
@office_required()
def index():
    """Managers see the enrolled phones (where, last seen) and start enrolling a new one."""
    return _devices_page()


@bp.route("/compounds/<int:compound_id>/devices/new", methods=["POST"])
@office_required()
def new_code(compound_id: int):
    """A manager creates a one-time enrollment code (and its QR) for a phone of this compound."""
    compound = get_or_404(Compound, compound_id)
    form = NewCodeForm()
    if not form.validate_on_submit():
        return _devices_page(400, _("请求无效，请刷新页面后重试"))
    if compound.archived:
        return _devices_page(400, _("该小区已归档，不能登记手机"))
    gate = None
    if form.gate_id.data is not None:
        gate = db.session.scalars(
            select(Gate).where(Gate.id == form.gate_id.data, Gate.compound_id == compound.id)
        ).first()
        if gate is None:
            return _devices_page(400, _("所选门岗不属于该小区"))
    row, code = create_code(compound, gate, current_office_user())
    # Post/Redirect/Get: the code is kept in this browser's session for its 15 minutes, so a
    # reload of the code page shows the same code instead of creating another one.
    session[CODE_KEY] = {"compound_id": compound.id, "row_id": row.id, "code": code}
    return redirect(url_for("devices.show_code", compound_id=compound.id))


#: Session key of the enrollment code this browser created last.
CODE_KEY = "xgm_enroll_code"


@bp.get("/compounds/<int:compound_id>/devices/code")
@office_required()
def show_code(compound_id: int):
    """The enrollment code this browser just created for the compound, with its QR code."""
    compound = get_or_404(Compound, compound_id)
    kept = session.get(CODE_KEY) or {}
    row = None
    if kept.get("compound_id") == compound.id:
        row = db.session.scalars(
            select(EnrollmentCode).where(EnrollmentCode.id == kept.get("row_id"))
        ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        session.pop(CODE_KEY, None)
        flash(_("登记码只在生成它的页面显示，已用过或已过期：如需登记手机，请重新生成。"), "info")
        return redirect(url_for("devices.index"))
    gate = db.session.get(Gate, row.gate_id) if row.gate_id else None
    url = enroll_url(kept["code"])
    return render_template(
        "devices/code.html",
        compound=compound,
        gate=gate,
        code=kept["code"],
        url=url,
        qr=screen_qr_svg(url),
        expires_at=row.expires_at,
        ttl_minutes=int(CODE_TTL.total_seconds() // 60),
    )


@bp.route("/device/enroll", methods=["GET", "POST"])
@limiter.limit("20 per minute;100 per hour", exempt_when=lambda: not request.values.get("code"))
def enroll():
    """A gate phone enrolls itself with a manager's one-time code (typed, or opened from the QR)."""
    if request.method == "POST":
        form = EnrollForm()
        submitted = form.validate_on_submit()
    else:  # the QR opens /device/enroll?code=...: one scan enrolls the phone
        form = EnrollForm(formdata=request.args)
        submitted = bool(request.args.get("code")) and form.code.validate(form)
    error = None
    if submitted:
        try:
            device, secret = redeem_code(form.code.data)
        except EnrollmentError as exc:
            error = error_message(exc.reason)
        else:
            response = redirect(url_for("guardphone.signin"))
            set_device_cookie(response, device, secret)
            flash(_("本机已登记为「%(name)s」", name=device.name), "success")
            return response
    failed = error is not None or (request.method == "POST" and not submitted)
    return (
        render_template(
            "devices/enroll.html",
            form=form,
            error=error,
            device=current_device(),
            code_length=CODE_LENGTH,
        ),
        400 if failed else 200,
    )


@bp.route("/devices/<int:device_id>/revoke", methods=["POST"])
@office_required()
def revoke(device_id: int):
    """A manager shuts a phone off: its cookie stops working and its guards are signed out."""
    device = get_or_404(Device, device_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if device.revoked_at is None:
        ended = revoke_device(device)
        flash(
            _("已停用「%(name)s」，本机 %(n)s 个门卫会话已结束", name=device.name, n=ended),
            "success",
        )
    return redirect(url_for("devices.index"))


@bp.route("/devices/<int:device_id>/rename", methods=["POST"])
@office_required()
def rename(device_id: int):
    """A manager names a phone (e.g. 东门值班机)."""
    device = get_or_404(Device, device_id)
    form = RenameForm()
    if not form.validate_on_submit():
        message = form.name.errors[0] if form.name.errors else _("请求无效，请刷新页面后重试")
        return _devices_page(400, message)
    if form.name.data != device.name:
        record("device.renamed", device=device, detail={"old": device.name, "new": form.name.data})
        device.name = form.name.data
        db.session.commit()
        flash(_("已改名为「%(name)s」", name=device.name), "success")
    return redirect(url_for("devices.index"))
