"""The gate's settings page: its rules, automatic admission (owners only), the NFC tag."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from tenants import get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.audit import record
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gaterules import bp
from xgm.gaterules.forms import GateSettingsForm
from xgm.gaterules.rules import rule_lines


def nfc_url(gate: Gate) -> str:
    """The URL an NFC tag at the gate carries: the poster's, marked `via=nfc`."""
    from flask import current_app

    return f"{current_app.config['XGM_PUBLIC_URL'].rstrip('/')}/g/{gate.token}?via=nfc"


def _other_gates(gate: Gate) -> list[Gate]:
    return list(
        db.session.scalars(
            select(Gate)
            .where(Gate.compound_id == gate.compound_id, Gate.id != gate.id, Gate.active.is_(True))
            .order_by(Gate.id)
        )
    )


def _form(gate: Gate, others: list[Gate], formdata=None) -> GateSettingsForm:
    kwargs = {}
    if formdata is None:
        kwargs = {
            "formdata": None,
            "auto_admit": gate.auto_admit,
            "hours_from": gate.hours_from,
            "hours_to": gate.hours_to,
            "ebike": gate.ebike,
            "ebike_where": gate.ebike_where,
            "note": gate.rule_note,
            "other_gate": str(gate.other_gate_id or ""),
        }
    form = GateSettingsForm(**kwargs)
    form.other_gate.choices = [SelectChoice("", _("不指定"))] + [
        SelectChoice(str(g.id), g.name) for g in others
    ]
    return form


def _page(gate: Gate, form: GateSettingsForm, others: list[Gate], status: int = 200):
    other = next((g for g in others if g.id == gate.other_gate_id), None)
    user = current_office_user()
    return (
        render_template(
            "gaterules/settings.html",
            gate=gate,
            form=form,
            is_owner=user is not None and user.is_owner,
            rules=rule_lines(gate, other.name if other else ""),
            nfc_url=nfc_url(gate),
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.route("/gates/<int:gate_id>/settings", methods=["GET", "POST"])
@office_required()
def settings(gate_id: int):
    """门岗规则: rider hours, e-bikes, a note, the other gate; 自动放行 for the owner."""
    gate = get_or_404(Gate, gate_id)
    others = _other_gates(gate)
    if request.method == "GET":
        return _page(gate, _form(gate, others), others)
    form = _form(gate, others, formdata=True)
    if not form.validate_on_submit():
        return _page(gate, form, others, 400)
    user = current_office_user()
    before = gate.auto_admit
    rules_before = _rules(gate)
    if user.is_owner:
        gate.auto_admit = bool(form.auto_admit.data)
    elif bool(form.auto_admit.data) != before:
        form.auto_admit.errors = [_("只有公司负责人可以更改自动放行")]
        return _page(gate, form, others, 403)
    gate.hours_from = (form.hours_from.data or "").strip()
    gate.hours_to = (form.hours_to.data or "").strip()
    gate.ebike = form.ebike.data or ""
    gate.ebike_where = (form.ebike_where.data or "").strip() if gate.ebike == "park" else ""
    gate.rule_note = (form.note.data or "").strip()
    gate.other_gate_id = int(form.other_gate.data) if form.other_gate.data else None
    if _rules(gate) != rules_before:
        record(
            "gate.rules_updated",
            detail={
                "compound": gate.compound.name,
                "gate": gate.name,
                "before": rules_before,
                "after": _rules(gate),
            },
        )
    if gate.auto_admit != before:
        record(
            "gate.auto_admit_on" if gate.auto_admit else "gate.auto_admit_off",
            detail={"compound": gate.compound.name, "gate": gate.name},
        )
    db.session.commit()
    flash(_("已保存门岗规则"), "success")
    return redirect(url_for("gaterules.settings", gate_id=gate.id))


def _rules(gate) -> dict:
    """The rule fields as the audit log keeps them (before -> after)."""
    return {
        "hours": [gate.hours_from or "", gate.hours_to or ""],
        "ebike": [gate.ebike or "", gate.ebike_where or ""],
        "note": gate.rule_note or "",
        "other_gate_id": gate.other_gate_id,
    }


@bp.route("/gates/<int:gate_id>/nfc", methods=["POST"])
@office_required()
def nfc_written(gate_id: int):
    """写入NFC标签 succeeded in the browser: the gate has a tag (the poster shows the mark)."""
    gate = get_or_404(Gate, gate_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    gate.nfc_tag_at = utcnow()
    record("gate.nfc_written", detail={"compound": gate.compound.name, "gate": gate.name})
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"ok": True, "nfc_tag_at": gate.nfc_tag_at.isoformat()})
    return redirect(url_for("gaterules.settings", gate_id=gate.id))
