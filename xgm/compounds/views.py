"""Compound and gate pages for owners and managers."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tenants import get_or_404
from xgm.accounts.access import office_required
from xgm.accounts.forms import ConfirmForm
from xgm.audit import record
from xgm.audit.events import changes, snapshot
from xgm.compounds import bp
from xgm.compounds.forms import HANGZHOU_DISTRICTS, CompoundForm, GateForm, WaitAlarmForm
from xgm.compounds.links import gate_url
from xgm.compounds.models import Compound, Gate
from xgm.compounds.placing import apply_placement, placement_from_form
from xgm.divisions.catalog import catalog
from xgm.extensions import db

COMPOUND_FIELDS = ("name", "address", "district", "street", "community", "hotline", "buildings")
AREA_FIELDS = ("division_code", "district", "street", "community")


def _name_taken(name: str, except_id: int | None = None) -> bool:
    """True when another compound of the tenant (archived ones included) has this name."""
    query = select(func.count(Compound.id)).where(Compound.name == name)
    if except_id is not None:
        query = query.where(Compound.id != except_id)
    return bool(db.session.scalar(query))


def _duplicate_name_error(form: CompoundForm) -> None:
    form.name.errors.append(_("已有同名小区（包括已归档的小区），请换一个名称"))


def _save_compound(form: CompoundForm, compound: Compound) -> bool:
    """Copy the form into the compound, placed in its division, and commit; on a duplicate
    name or an area that names no single division add the form error."""
    placement = placement_from_form(form)
    if placement is False:
        return False
    if _name_taken(form.name.data, compound.id):
        _duplicate_name_error(form)
        return False
    before = snapshot(compound, COMPOUND_FIELDS + ("division_code",))
    for field in COMPOUND_FIELDS:
        setattr(compound, field, getattr(form, field).data or "")
    apply_placement(compound, placement)
    if compound.id is None:
        db.session.add(compound)
        record("compound.created", detail={"compound": compound.name})
    else:
        diff = changes(before, compound, COMPOUND_FIELDS + ("division_code",))
        record("compound.updated", detail={"compound": compound.name, "changes": diff})
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request took the name between the check and here
        db.session.rollback()
        _duplicate_name_error(form)
        return False
    if compound.community_unverified:
        flash(
            _(
                "社区“%(name)s”不在%(street)s的社区名单中，已标记为待核实；如有笔误，请编辑小区后从列表中选择",
                name=compound.community,
                street=compound.street,
            ),
            "warning",
        )
    return True


def _compound_form_page(form: CompoundForm, compound: Compound | None):
    code = form.division_code.data or (compound.division_code if compound else "")
    return render_template(
        "compounds/form.html",
        form=form,
        compound=compound,
        districts=HANGZHOU_DISTRICTS,
        chain=[d.code for d in catalog().chain(code)] if code else [],
    )


@bp.route("/compounds")
@office_required()
def index():
    """The tenant's compounds with their gate counts; archived ones listed apart."""
    compounds = db.session.scalars(select(Compound).order_by(Compound.name)).all()
    counts = dict(
        db.session.execute(
            select(Gate.compound_id, func.count(Gate.id))
            .where(Gate.active.is_(True))
            .group_by(Gate.compound_id)
        ).all()
    )
    return render_template(
        "compounds/index.html",
        active=[c for c in compounds if not c.archived],
        archived=[c for c in compounds if c.archived],
        active_gates=counts,
        confirm=ConfirmForm(),
    )


@bp.route("/compounds/new", methods=["GET", "POST"])
@office_required()
def new():
    """Register a compound; on success go to its page to add gates."""
    form = CompoundForm()
    if form.validate_on_submit():
        compound = Compound()
        if _save_compound(form, compound):
            flash(_("已登记小区 %(name)s，请添加门岗", name=compound.name), "success")
            return redirect(url_for("compounds.detail", compound_id=compound.id))
    return _compound_form_page(form, None)


@bp.route("/compounds/<int:compound_id>")
@office_required()
def detail(compound_id: int):
    """One compound: its details, buildings and gates, with the gate actions and the add form."""
    compound = get_or_404(Compound, compound_id)
    return _detail_page(compound, GateForm(formdata=None))


def _detail_page(compound: Compound, gate_form: GateForm, alarm_form=None, status: int = 200):
    gates = db.session.scalars(
        select(Gate).where(Gate.compound_id == compound.id).order_by(Gate.id)
    ).all()
    return render_template(
        "compounds/detail.html",
        compound=compound,
        gates=gates,
        gate_form=gate_form,
        alarm_form=alarm_form or WaitAlarmForm(formdata=None, obj=compound),
        confirm=ConfirmForm(),
        gate_url=gate_url,
    ), status


@bp.route("/compounds/<int:compound_id>/alarm", methods=["POST"])
@office_required()
def wait_alarm(compound_id: int):
    """Set the waiting alarm: when a rider's card turns urgent, and when every phone is alerted."""
    compound = get_or_404(Compound, compound_id)
    form = WaitAlarmForm()
    if not form.validate_on_submit():
        return _detail_page(compound, GateForm(formdata=None), form, 400)
    before = [compound.wait_alarm_seconds, compound.wait_escalate_seconds]
    compound.wait_alarm_seconds = form.wait_alarm_seconds.data
    compound.wait_escalate_seconds = form.wait_escalate_seconds.data
    record(
        "settings.wait_alarm",
        detail={
            "compound": compound.name,
            "before": before,
            "after": [compound.wait_alarm_seconds, compound.wait_escalate_seconds],
        },
    )
    db.session.commit()
    flash(
        _(
            "已保存：等待 %(a)s 秒提醒门卫，%(b)s 秒通知全部门岗",
            a=compound.wait_alarm_seconds,
            b=compound.wait_escalate_seconds,
        ),
        "success",
    )
    return redirect(url_for("compounds.detail", compound_id=compound.id))


@bp.route("/compounds/<int:compound_id>/edit", methods=["GET", "POST"])
@office_required()
def edit(compound_id: int):
    """Edit a compound's name, address, area, hotline and buildings."""
    compound = get_or_404(Compound, compound_id)
    form = CompoundForm(obj=compound)
    if request.method == "POST":
        # An area field the browser did not send is empty, not the stored value: the picker
        # sends only `division_code` (the text fields only without script), and a stale
        # stored code or community must not override what the manager chose.
        for name in AREA_FIELDS:
            if name not in request.form:
                getattr(form, name).data = ""
    if form.validate_on_submit() and _save_compound(form, compound):
        flash(_("已保存"), "success")
        return redirect(url_for("compounds.detail", compound_id=compound.id))
    return _compound_form_page(form, compound)


def _confirmed() -> None:
    """One-button POST actions carry only the CSRF token; a bad one is a 400."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/compounds/<int:compound_id>/archive", methods=["POST"])
@office_required()
def archive(compound_id: int):
    """Archive a compound: its gate QR codes stop working; it can be restored later."""
    compound = get_or_404(Compound, compound_id)
    _confirmed()
    compound.archived = True
    record("compound.archived", detail={"compound": compound.name})
    db.session.commit()
    flash(_("已归档 %(name)s，其门岗二维码已停止使用", name=compound.name), "success")
    return redirect(url_for("compounds.index"))


@bp.route("/compounds/<int:compound_id>/restore", methods=["POST"])
@office_required()
def restore(compound_id: int):
    """Bring an archived compound back; its gates' printed QR codes work again."""
    compound = get_or_404(Compound, compound_id)
    _confirmed()
    compound.archived = False
    record("compound.restored", detail={"compound": compound.name})
    db.session.commit()
    flash(_("已恢复 %(name)s", name=compound.name), "success")
    return redirect(url_for("compounds.detail", compound_id=compound.id))


def _gate_name_taken(compound_id: int, name: str, except_id: int | None = None) -> bool:
    query = select(func.count(Gate.id)).where(Gate.compound_id == compound_id, Gate.name == name)
    if except_id is not None:
        query = query.where(Gate.id != except_id)
    return bool(db.session.scalar(query))


@bp.route("/compounds/<int:compound_id>/gates/new", methods=["POST"])
@office_required()
def new_gate(compound_id: int):
    """Add a gate to a compound; it gets a fresh unguessable token for its QR code."""
    compound = get_or_404(Compound, compound_id)
    form = GateForm()
    if compound.archived:
        flash(_("小区已归档，请先恢复再添加门岗"), "error")
        return redirect(url_for("compounds.detail", compound_id=compound.id))
    if form.validate_on_submit():
        if _gate_name_taken(compound.id, form.name.data):
            form.name.errors.append(_("本小区已有同名门岗"))
        else:
            gate = Gate(compound_id=compound.id, name=form.name.data)
            db.session.add(gate)
            record("gate.created", detail={"compound": compound.name, "gate": gate.name})
            db.session.commit()
            flash(_("已添加门岗 %(name)s，可以打印二维码海报了", name=gate.name), "success")
            return redirect(url_for("compounds.detail", compound_id=compound.id))
    return _detail_page(compound, form)


@bp.route("/gates/<int:gate_id>/edit", methods=["GET", "POST"])
@office_required()
def edit_gate(gate_id: int):
    """Rename a gate; the QR code stays the same (rotate it to retire printed copies)."""
    gate = get_or_404(Gate, gate_id)
    form = GateForm(obj=gate)
    if form.validate_on_submit():
        if _gate_name_taken(gate.compound_id, form.name.data, gate.id):
            form.name.errors.append(_("本小区已有同名门岗"))
        else:
            before = snapshot(gate, ("name",))
            gate.name = form.name.data
            record(
                "gate.updated",
                detail={
                    "compound": gate.compound.name,
                    "gate": gate.name,
                    "changes": changes(before, gate, ("name",)),
                },
            )
            db.session.commit()
            flash(_("已保存；门岗名称已改，请重新打印海报"), "success")
            return redirect(url_for("compounds.detail", compound_id=gate.compound_id))
    return render_template("compounds/gate_form.html", form=form, gate=gate)


def _set_gate_active(gate_id: int, active: bool):
    gate = get_or_404(Gate, gate_id)
    _confirmed()
    gate.active = active
    record(
        "gate.activated" if active else "gate.deactivated",
        detail={"compound": gate.compound.name, "gate": gate.name},
    )
    db.session.commit()
    if active:
        flash(_("已启用门岗 %(name)s", name=gate.name), "success")
    else:
        flash(_("已停用门岗 %(name)s，其二维码已停止使用", name=gate.name), "success")
    return redirect(url_for("compounds.detail", compound_id=gate.compound_id))


@bp.route("/gates/<int:gate_id>/activate", methods=["POST"])
@office_required()
def activate_gate(gate_id: int):
    """Put a gate back in service; its printed QR code works again."""
    return _set_gate_active(gate_id, True)


@bp.route("/gates/<int:gate_id>/deactivate", methods=["POST"])
@office_required()
def deactivate_gate(gate_id: int):
    """Take a gate out of service; scans of its QR code show the out-of-date page."""
    return _set_gate_active(gate_id, False)


@bp.route("/gates/<int:gate_id>/rotate", methods=["POST"])
@office_required()
def rotate_gate(gate_id: int):
    """Give a gate a new token: every printed copy of its poster stops working at once."""
    gate = get_or_404(Gate, gate_id)
    _confirmed()
    gate.rotate_token()
    record("gate.token_rotated", detail={"compound": gate.compound.name, "gate": gate.name})
    db.session.commit()
    flash(
        _("已更换 %(name)s 的二维码，旧海报已失效，请打印新海报张贴", name=gate.name),
        "success",
    )
    return redirect(url_for("compounds.detail", compound_id=gate.compound_id))
