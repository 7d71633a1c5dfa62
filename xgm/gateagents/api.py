"""The agent's API (JSON, Bearer credentials, no cookies, so no CSRF): pair, poll, claim, report.

    POST /api/agent/pair                      {"code", "name"?, "version"?, "adapter"?}
    GET  /api/agent/commands?wait=25          long poll; also the agent's heartbeat
    POST /api/agent/commands/<id>/claim       take a command (at most once, before its expiry)
    POST /api/agent/commands/<id>/result      {"outcome", "answer"}

Errors are JSON `{"error": {"code", "reason", "message"}}` with a Chinese message the agent
logs for its installer. The agent program in xgm/gateagent/ is the client of this contract.
"""

from __future__ import annotations

import math
import time
from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _

from tenants import Tenant, set_request_tenant
from xgm.extensions import db, limiter
from xgm.gateagents import bp
from xgm.gateagents.commands import (
    CommandRefused,
    claim,
    command_for_agent,
    deliverable,
    report,
    wire_json,
)
from xgm.gateagents.health import POLL_WAIT, touch
from xgm.gateagents.models import AGENT_OUTCOMES, GateAgent
from xgm.gateagents.pairing import PairingError, authenticate, pair, pairing_message
from xgm.gateagents.wakeups import gate_channel, get_wakeups
from xgm.queues import get_redis

#: A waiting poll looks at the database this often even when nothing woke it.
RECHECK = 5.0
PAIRING_STATUS = {"invalid": 400, "unknown": 404, "used": 409, "expired": 410, "gate": 409}
KEY_CHARS = frozenset("0123456789abcdef")


def _error(status: int, reason: str, message: str):
    response = jsonify({"error": {"code": status, "reason": reason, "message": message}})
    response.status_code = status
    return response


def _json_body() -> dict | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _text(data: dict, name: str, limit: int) -> str:
    value = data.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def current_agent() -> GateAgent:
    """The agent of this API request (set by agent_required)."""
    return g.gate_agent


def agent_required(view):
    """Require valid, unrevoked agent credentials; bind the request to the agent's tenant."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        agent, reason = authenticate(request.headers.get("Authorization"))
        if agent is None:
            messages = {
                "missing": _("缺少开闸器凭据"),
                "invalid": _("开闸器凭据无效"),
                "revoked": _("该开闸器已被管理员停用，请在门岗页面重新生成配对码后重新配对"),
            }
            response = _error(401, reason, messages[reason])
            response.headers["WWW-Authenticate"] = 'Bearer realm="xgm-gate-agent"'
            return response
        set_request_tenant(agent.tenant_id)
        tenant = db.session.get(Tenant, agent.tenant_id)
        if tenant is None or not tenant.is_active:
            return _error(403, "suspended", _("贵公司已被平台暂停使用，开闸器暂停工作"))
        g.gate_agent = agent
        return view(*args, **kwargs)

    return wrapped


@bp.route("/api/agent/pair", methods=["POST"])
@limiter.limit("10 per minute;50 per hour")
def api_pair():
    """An agent exchanges a manager's one-time code for its credentials."""
    data = _json_body()
    if data is None:
        return _error(400, "invalid", _("请求应为 JSON 对象"))
    try:
        agent, token = pair(
            _text(data, "code", 40),
            name=_text(data, "name", 40),
            version=_text(data, "version", 40),
            adapter=_text(data, "adapter", 20),
            ip=request.remote_addr or "",
        )
    except PairingError as exc:
        return _error(PAIRING_STATUS[exc.reason], exc.reason, pairing_message(exc.reason))
    response = jsonify(
        {
            "token": token,
            "agent": {"id": agent.id, "name": agent.name},
            "gate": {"id": agent.gate_id, "name": agent.gate.name},
            "compound": {"id": agent.compound_id, "name": agent.compound.name},
            "poll_wait": POLL_WAIT,
        }
    )
    response.status_code = 201
    return response


def _wait_seconds() -> float:
    try:
        wait = float(request.args.get("wait", POLL_WAIT))
    except ValueError:
        wait = POLL_WAIT
    if not math.isfinite(wait):  # "nan" would never time out
        wait = POLL_WAIT
    limit = float(current_app.config.get("XGM_AGENT_POLL_WAIT", POLL_WAIT))
    return min(max(wait, 0.0), limit)


@bp.route("/api/agent/commands")
@agent_required
def api_commands():
    """The agent's long poll: its gate's commands as soon as there are any, else [] after `wait`.

    Also its heartbeat (last seen, version, adapter). No database connection is held while it
    waits: the poll sleeps on the process's Redis subscriber and queries again when woken,
    and every RECHECK seconds in case a wake-up was lost.
    """
    agent = current_agent()
    touch(
        agent,
        request.remote_addr or "",
        request.headers.get("X-Agent-Version", ""),
        request.headers.get("X-Agent-Adapter", ""),
    )
    db.session.commit()
    tenant_id, gate_id, agent_id = agent.tenant_id, agent.gate_id, agent.id
    deadline = time.monotonic() + _wait_seconds()
    recheck = float(current_app.config.get("XGM_AGENT_RECHECK", RECHECK))
    hub = get_wakeups()
    waiter = hub.waiter(gate_channel(get_redis(), tenant_id, gate_id))
    try:
        while True:
            agent = db.session.get(GateAgent, agent_id, populate_existing=True)
            if agent is None or agent.revoked_at is not None:
                db.session.rollback()
                return _error(401, "revoked", _("该开闸器已被管理员停用"))
            commands = deliverable(agent)
            body = [wire_json(c, agent) for c in commands]
            db.session.commit()  # ends the transaction: the connection goes back to the pool
            remaining = deadline - time.monotonic()
            if body or remaining <= 0:
                response = jsonify({"commands": body, "poll_wait": POLL_WAIT})
                response.headers["Cache-Control"] = "no-store"
                return response
            # Woken by Redis at once; the periodic look covers a wake-up lost on the way (a
            # publish that failed), well within a command's 10 s.
            waiter.wait(min(remaining, recheck))
    finally:
        hub.remove(waiter)


def _command_or_404(key: str):
    if len(key) != 32 or not set(key) <= KEY_CHARS:
        return None, _error(404, "unknown", _("没有这条开闸指令"))
    command = command_for_agent(current_agent(), key)
    if command is None:
        return None, _error(404, "unknown", _("没有这条开闸指令"))
    return command, None


@bp.route("/api/agent/commands/<key>/claim", methods=["POST"])
@agent_required
def api_claim(key: str):
    """The agent takes a command before driving its device: once, and only within its 10 s."""
    command, error = _command_or_404(key)
    if error is not None:
        return error
    try:
        claim(current_agent(), command)
    except CommandRefused as exc:
        if exc.reason == "expired":
            return _error(410, "expired", _("指令已过期（10 秒内未接收），不要执行"))
        return _error(409, "claimed", _("指令已由其他开闸器接收或已完成，不要执行"))
    return jsonify({"claimed": True, "command": wire_json(command, current_agent())})


@bp.route("/api/agent/commands/<key>/result", methods=["POST"])
@agent_required
def api_result(key: str):
    """The agent reports what its device did: opened, failed or timeout, with its answer."""
    command, error = _command_or_404(key)
    if error is not None:
        return error
    data = _json_body()
    if data is None:
        return _error(400, "invalid", _("请求应为 JSON 对象"))
    outcome = data.get("outcome")
    if outcome not in AGENT_OUTCOMES:
        return _error(
            400,
            "invalid",
            _("结果应为 %(values)s 之一", values=", ".join(AGENT_OUTCOMES)),
        )
    answer = data.get("answer", "")
    if not isinstance(answer, str):
        return _error(400, "invalid", _("设备应答应为文字"))
    try:
        recorded = report(current_agent(), command, outcome, answer)
    except CommandRefused as exc:
        if exc.reason == "not_claimed":
            return _error(409, "not_claimed", _("本开闸器没有接收这条指令"))
        return _error(409, "finished", _("这条指令已有其他结果"))
    return jsonify({"recorded": recorded, "status": command.status})
