"""Who is on duty on the gate phone: PIN sign-in with name tiles, and handover (交班)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tenants import current_tenant
from xgm.accounts.access import current_office_user
from xgm.accounts.forms import ConfirmForm
from xgm.accounts.sessions import sign_out
from xgm.devices.access import current_device
from xgm.devices.enrollment import read_device_cookie
from xgm.extensions import db, limiter
from xgm.guards.access import current_guard, current_guard_session
from xgm.guards.forms import PinSignInForm
from xgm.guards.models import Guard
from xgm.guards.ordering import pinyin_key
from xgm.guards.pins import check_pin
from xgm.guards.sessions import hand_over, start_guard_session
from xgm.guards.shifts import shift_summary


def _device_key() -> str:
    """Rate-limit key: the phone (from its signed cookie), else the address."""
    parsed = read_device_cookie()
    if parsed is not None:
        return f"device:{parsed[0]}:{parsed[1]}"
    return f"ip:{request.remote_addr}"


def _compound_guards(device) -> list[Guard]:
    guards = db.session.scalars(
        select(Guard).where(Guard.compound_id == device.compound_id, Guard.active.is_(True))
    )
    return sorted(guards, key=lambda g: (pinyin_key(g.name), g.id))


def _signin_page(device, guards, selected=None, form=None, error=None, status=200):
    return (
        render_template(
            "guards/signin.html",
            device=device,
            guards=guards,
            selected=selected,
            form=form or PinSignInForm(formdata=None),
            error=error,
        ),
        status,
    )


@limiter.limit("10 per minute;60 per hour", methods=["POST"], key_func=_device_key)
@limiter.limit("60 per minute", methods=["POST"])
def signin():
    """On an enrolled phone, a guard taps their name tile and types their PIN."""
    device = current_device()
    if device is None:
        return redirect(url_for("devices.enroll"))
    if current_guard() is not None:
        return redirect(url_for("guardphone.console"))
    if not current_tenant.is_active:
        return _signin_page(
            device, [], error=_("贵公司的账号已被暂停使用，请联系管理员。"), status=403
        )
    guards = _compound_guards(device)
    by_id = {g.id: g for g in guards}
    if request.method == "GET":
        guard_id = request.args.get("guard_id", type=int)
        if guard_id is None:
            return _signin_page(device, guards)
        if guard_id not in by_id:
            return _signin_page(
                device, guards, error=_("本机没有这位门卫，请点选您的名字"), status=404
            )
        return _signin_page(device, guards, selected=by_id[guard_id])
    form = PinSignInForm()
    if not form.validate_on_submit():
        selected = by_id.get(form.guard_id.data) if form.guard_id.data else None
        errors = form.pin.errors or form.guard_id.errors or [_("页面已过期，请重试")]
        return _signin_page(device, guards, selected, form, errors[0], 400)
    guard = by_id.get(form.guard_id.data)
    if guard is None:
        return _signin_page(
            device, guards, error=_("该门卫不在本岗或已停用，请点选您的名字"), status=404
        )
    result = check_pin(guard, device, form.pin.data)
    if not result.ok:
        if result.locked_until is not None:
            error = _(
                "连续输错 5 次，%(name)s 已被锁定 15 分钟（至 %(until)s）。可请管理员解锁。",
                name=guard.name,
                until=_local_time(result.locked_until),
            )
            return _signin_page(device, guards, guard, None, error, 403)
        error = _("PIN 不正确，还可以再试 %(n)s 次", n=result.attempts_left)
        return _signin_page(device, guards, guard, None, error, 200)
    office_user = current_office_user()
    if office_user is not None:  # a manager was signed in on the gate phone: sign them out
        sign_out(office_user)
    start_guard_session(guard, device)
    return redirect(url_for("guardphone.console"))


def _local_time(value) -> str:
    from flask_babel import format_datetime

    return format_datetime(value, "HH:mm")


def signout():
    """Handover (交班): first the shift's summary to confirm; then the session on this phone
    ends and the next guard signs in."""
    guard = current_guard()
    if guard is not None and request.form.get("confirm") != "1":
        guard_session = current_guard_session()
        return render_template(
            "guards/handover.html",
            guard=guard,
            guard_session=guard_session,
            device=guard_session.device,
            summary=shift_summary(guard_session),
            csrf_form=ConfirmForm(),
        )
    if guard is not None:
        hand_over(guard)
        flash(_("%(name)s 已交班，请下一位门卫登录", name=guard.name), "success")
    return redirect(url_for("guardphone.signin"))
