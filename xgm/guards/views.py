"""Office pages for guards: list and add, edit, (de)activate, reset PIN, unlock, shift length."""

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tenants import current_tenant, get_or_404, utcnow
from xgm.accounts.access import office_required
from xgm.accounts.forms import ConfirmForm
from xgm.audit import record
from xgm.audit.events import REASONS
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.guards import bp
from xgm.guards.forms import GuardForm, NewGuardForm, ResetPinForm, ShiftForm
from xgm.guards.models import Guard, GuardSession
from xgm.guards.ordering import pinyin_key, shared_phones
from xgm.guards.pins import generate_pin, set_pin
from xgm.guards.sessions import end_guard_sessions

#: Session key of the PIN to show once after it was set (popped by the next page that shows it).
PIN_REVEAL_KEY = "_xgm_pin_reveal"


def _compound_choices(include_id: int | None = None) -> list[tuple[int, str]]:
    query = select(Compound).order_by(Compound.name)
    compounds = [c for c in db.session.scalars(query) if not c.archived or c.id == include_id]
    return [(c.id, c.name) for c in compounds]


def _reveal_pin_once(guard: Guard, pin: str) -> None:
    session[PIN_REVEAL_KEY] = {"guard_id": guard.id, "name": guard.name, "pin": pin}


def _pop_pin_reveal() -> dict | None:
    return session.pop(PIN_REVEAL_KEY, None)


def _index_page(form: NewGuardForm, status: int = 200):
    guards = sorted(
        db.session.scalars(select(Guard)).all(),
        key=lambda g: (not g.active, g.compound_id, pinyin_key(g.name)),
    )
    open_sessions = {
        gs.guard_id: gs
        for gs in db.session.scalars(select(GuardSession).where(GuardSession.ended_at.is_(None)))
    }
    return (
        render_template(
            "guards/index.html",
            guards=guards,
            shared=shared_phones(guards),
            open_sessions=open_sessions,
            form=form,
            shift_form=ShiftForm(shift_hours=current_tenant.shift_hours),
            reveal=_pop_pin_reveal(),
            now=utcnow(),
        ),
        status,
    )


@bp.route("/guards")
@office_required()
def index():
    """Managers list the guards (status, lockout, who is on shift) and add new ones."""
    form = NewGuardForm()
    form.compound_id.choices = _compound_choices()
    return _index_page(form)


@bp.route("/guards/new", methods=["POST"])
@office_required()
def create():
    """A manager adds a guard with a PIN that is shown once, then only its hash is kept."""
    form = NewGuardForm()
    form.compound_id.choices = _compound_choices()
    if not form.validate_on_submit():
        return _index_page(form, 200)
    pin = form.pin.data or generate_pin()
    guard = Guard(
        name=form.name.data,
        phone=form.phone.data,
        employee_no=form.employee_no.data or "",
        compound_id=form.compound_id.data,
        pin_hash="",
    )
    set_pin(guard, pin)
    db.session.add(guard)
    db.session.flush()
    record("guard.created", guard=guard, detail={"compound": guard_compound_name(guard)})
    db.session.commit()
    _reveal_pin_once(guard, pin)
    flash(_("已添加门卫 %(name)s", name=guard.name), "success")
    twins = db.session.scalars(
        select(Guard.name).where(
            Guard.phone == guard.phone, Guard.id != guard.id, Guard.active.is_(True)
        )
    ).all()
    if twins:
        flash(
            _(
                "注意：%(names)s 也登记了手机号 %(phone)s，请核对是否填错",
                names="、".join(twins),
                phone=guard.phone,
            ),
            "warning",
        )
    return redirect(url_for("guards.index"))


def guard_compound_name(guard: Guard) -> str:
    """The name of the guard's compound (the relationship may not be loaded on a new guard)."""
    compound = db.session.scalars(select(Compound).where(Compound.id == guard.compound_id)).first()
    return compound.name if compound is not None else ""


def _detail_page(guard: Guard, form: GuardForm, status: int = 200, pin_form=None):
    sessions = db.session.scalars(
        select(GuardSession)
        .where(GuardSession.guard_id == guard.id)
        .order_by(GuardSession.started_at.desc())
        .limit(10)
    ).all()
    return (
        render_template(
            "guards/detail.html",
            guard=guard,
            form=form,
            pin_form=pin_form or ResetPinForm(formdata=None),
            confirm=ConfirmForm(),
            sessions=sessions,
            reveal=_pop_pin_reveal(),
            reasons=REASONS,
            now=utcnow(),
        ),
        status,
    )


@bp.route("/guards/<int:guard_id>", methods=["GET", "POST"])
@office_required()
def detail(guard_id: int):
    """A manager sees and edits one guard; moving them to another compound ends their shift."""
    guard = get_or_404(Guard, guard_id)
    form = GuardForm(obj=guard)
    form.compound_id.choices = _compound_choices(include_id=guard.compound_id)
    if form.validate_on_submit():
        changed = [
            name
            for name in ("name", "phone", "employee_no", "compound_id")
            if getattr(form, name).data != getattr(guard, name)
        ]
        moved = form.compound_id.data != guard.compound_id
        form.populate_obj(guard)
        if moved:
            end_guard_sessions(guard_id=guard.id, reason="moved")
        if changed:
            record("guard.updated", guard=guard, detail={"fields": changed})
        db.session.commit()
        flash(_("已保存"), "success")
        return redirect(url_for("guards.detail", guard_id=guard.id))
    return _detail_page(guard, form, 200)


def _action_form_or_400() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/guards/<int:guard_id>/deactivate", methods=["POST"])
@office_required()
def deactivate(guard_id: int):
    """A manager deactivates a guard: signed out on every phone at once, no more sign-ins."""
    guard = get_or_404(Guard, guard_id)
    _action_form_or_400()
    if guard.active:
        guard.active = False
        ended = end_guard_sessions(guard_id=guard.id, reason="deactivated")
        record("guard.deactivated", guard=guard, detail={"ended_sessions": ended})
        db.session.commit()
        flash(_("已停用 %(name)s，其所有手机上的会话已结束", name=guard.name), "success")
    return redirect(url_for("guards.detail", guard_id=guard.id))


@bp.route("/guards/<int:guard_id>/activate", methods=["POST"])
@office_required()
def activate(guard_id: int):
    """A manager restores a deactivated guard."""
    guard = get_or_404(Guard, guard_id)
    _action_form_or_400()
    if not guard.active:
        guard.active = True
        record("guard.activated", guard=guard)
        db.session.commit()
        flash(_("已恢复 %(name)s", name=guard.name), "success")
    return redirect(url_for("guards.detail", guard_id=guard.id))


@bp.route("/guards/<int:guard_id>/reset-pin", methods=["POST"])
@office_required()
def reset_pin(guard_id: int):
    """A manager sets a new PIN (shown once); the guard is signed out on every phone."""
    guard = get_or_404(Guard, guard_id)
    pin_form = ResetPinForm()
    if not pin_form.validate_on_submit():
        form = GuardForm(obj=guard)
        form.compound_id.choices = _compound_choices(include_id=guard.compound_id)
        return _detail_page(guard, form, 200, pin_form=pin_form)
    pin = pin_form.pin.data or generate_pin()
    set_pin(guard, pin)
    ended = end_guard_sessions(guard_id=guard.id, reason="pin_reset")
    record("guard.pin_reset", guard=guard, detail={"ended_sessions": ended})
    db.session.commit()
    _reveal_pin_once(guard, pin)
    return redirect(url_for("guards.detail", guard_id=guard.id))


@bp.route("/guards/<int:guard_id>/unlock", methods=["POST"])
@office_required()
def unlock(guard_id: int):
    """A manager lifts a PIN lockout before its 15 minutes are over."""
    guard = get_or_404(Guard, guard_id)
    _action_form_or_400()
    if guard.locked_until is not None or guard.failed_pins:
        guard.locked_until = None
        guard.failed_pins = 0
        record("guard.unlocked", guard=guard)
        db.session.commit()
        flash(_("已解除 %(name)s 的锁定", name=guard.name), "success")
    return redirect(url_for("guards.detail", guard_id=guard.id))


@bp.route("/guards/settings", methods=["POST"])
@office_required("owner")
def settings():
    """The owner sets the shift length after which a guard session ends."""
    form = ShiftForm()
    if not form.validate_on_submit():
        message = form.shift_hours.errors[0] if form.shift_hours.errors else _("请求无效")
        flash(message, "error")
        return redirect(url_for("guards.index"))
    tenant = current_tenant._get_current_object()
    if tenant.shift_hours != form.shift_hours.data:
        record(
            "settings.shift_hours",
            detail={"old": tenant.shift_hours, "new": form.shift_hours.data},
        )
        tenant.shift_hours = form.shift_hours.data
        db.session.commit()
    flash(_("每班时长已设为 %(h)s 小时（下次登录起生效）", h=tenant.shift_hours), "success")
    return redirect(url_for("guards.index"))
