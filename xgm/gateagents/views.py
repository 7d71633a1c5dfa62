"""The manager's gate page for its barrier: pair an agent, see its health and results, revoke."""

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tenants import get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents import bp
from xgm.gateagents.commands import NoGateAgent, open_gate, settle_stale
from xgm.gateagents.display import STATUS_LABELS
from xgm.gateagents.health import ONLINE_WITHIN, is_online
from xgm.gateagents.models import AgentPairingCode, GateAgent, GateCommand
from xgm.gateagents.pairing import CODE_TTL, create_code, revoke_agent

RECENT_COMMANDS = 20


def _confirmed() -> None:
    """One-button POST actions carry only the CSRF token; a bad one is a 400."""
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _gate_page(gate: Gate, status: int = 200, error: str | None = None):
    settle_stale(gate.id)
    agents = db.session.scalars(
        select(GateAgent)
        .where(GateAgent.gate_id == gate.id)
        .order_by(GateAgent.revoked_at.is_not(None), GateAgent.id)
    ).all()
    commands = db.session.scalars(
        select(GateCommand)
        .where(GateCommand.gate_id == gate.id)
        .order_by(GateCommand.created_at.desc(), GateCommand.id.desc())
        .limit(RECENT_COMMANDS)
    ).all()
    names = {a.id: a.name for a in agents}
    now = utcnow()
    return (
        render_template(
            "gateagents/gate.html",
            gate=gate,
            agents=agents,
            active=[a for a in agents if a.revoked_at is None],
            online={a.id for a in agents if is_online(a, now)},
            commands=commands,
            agent_names=names,
            status_labels=STATUS_LABELS,
            online_seconds=int(ONLINE_WITHIN.total_seconds()),
            confirm=ConfirmForm(),
            error=error,
        ),
        status,
    )


def _usable(gate: Gate) -> str | None:
    if gate.compound.archived:
        return _("该小区已归档，不能配对开闸器")
    if not gate.active:
        return _("该门岗已停用，请先启用再配对开闸器")
    return None


@bp.route("/gates/<int:gate_id>/agents")
@office_required()
def gate(gate_id: int):
    """The gate's barrier: its paired agents (online or not, version, last results), commands."""
    return _gate_page(get_or_404(Gate, gate_id))


@bp.route("/gates/<int:gate_id>/agents/new", methods=["POST"])
@office_required()
def new_code(gate_id: int):
    """A manager creates a one-time pairing code for an on-site agent of this gate."""
    gate = get_or_404(Gate, gate_id)
    if not ConfirmForm().validate_on_submit():
        return _gate_page(gate, 400, _("请求无效，请刷新页面后重试"))
    problem = _usable(gate)
    if problem:
        return _gate_page(gate, 400, problem)
    row, code = create_code(gate, current_office_user())
    # Post/Redirect/Get: a reload of the code page shows this code, it makes no second one.
    session[CODE_KEY] = {"gate_id": gate.id, "row_id": row.id, "code": code}
    return redirect(url_for("gateagents.show_code", gate_id=gate.id))


#: Session key of the pairing code this browser created last.
CODE_KEY = "xgm_agent_code"


@bp.get("/gates/<int:gate_id>/agents/code")
@office_required()
def show_code(gate_id: int):
    """The pairing code this browser just created for the gate, while it can still be used."""
    gate = get_or_404(Gate, gate_id)
    kept = session.get(CODE_KEY) or {}
    row = None
    if kept.get("gate_id") == gate.id:
        row = db.session.scalars(
            select(AgentPairingCode).where(AgentPairingCode.id == kept.get("row_id"))
        ).first()
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        session.pop(CODE_KEY, None)
        flash(_("配对码只在生成它的页面显示，已用过或已过期：如需配对，请重新生成。"), "info")
        return redirect(url_for("gateagents.gate", gate_id=gate.id))
    return render_template(
        "gateagents/code.html",
        gate=gate,
        code=kept["code"],
        expires_at=row.expires_at,
        ttl_minutes=int(CODE_TTL.total_seconds() // 60),
    )


@bp.route("/gates/<int:gate_id>/agents/test", methods=["POST"])
@office_required()
def test_open(gate_id: int):
    """试开闸: a manager opens the barrier once to check the agent and its device."""
    gate = get_or_404(Gate, gate_id)
    _confirmed()
    try:
        open_gate(gate, actor=current_office_user())
    except NoGateAgent:
        flash(_("该门岗还没有配对开闸器"), "error")
    else:
        flash(_("已发送开闸指令，结果见下方“最近指令”（刷新页面查看）"), "success")
    return redirect(url_for("gateagents.gate", gate_id=gate.id))


@bp.route("/gate-agents/<int:gate_agent_id>/revoke", methods=["POST"])
@office_required()
def revoke(gate_agent_id: int):
    """A manager shuts an agent off: its credentials stop working at once."""
    agent = get_or_404(GateAgent, gate_agent_id)
    _confirmed()
    if agent.revoked_at is None:
        revoke_agent(agent)
        flash(_("已停用开闸器「%(name)s」", name=agent.name), "success")
    return redirect(url_for("gateagents.gate", gate_id=agent.gate_id))
