"""Gate agents: the on-site programs that open barriers, paired with gates; their open commands.

The server side of `python -m xgm.gateagent` (that program lives in xgm/gateagent/ and imports
nothing of this package): pairing codes and revocable credentials (pairing.py), the open
commands with their 10 s expiry and at-most-once claim (commands.py, entry point `open_gate`),
the agents' long poll woken through Redis in any web process (api.py, wakeups.py), what
screens show of a command (display.py), agent health (health.py) and the manager's gate page
(views.py).

For the guard console: `commands.open_gate(gate, arrival, actor)` after 放行,
`commands.on_command_finished(callback)` to push the result, `display.command_json(command)`
and `display.latest_for_arrival(arrival_id)` for the card (已开闸, or the failure with 再次开闸:
call open_gate again), `health.gate_state(gate_id)` for "开闸器离线".
"""

from flask import Blueprint
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

bp = Blueprint("gateagents", __name__)

AUDIT_KINDS = {
    "gate_agent.code_created": lazy_pgettext("event", "生成开闸器配对码"),
    "gate_agent.paired": _l("开闸器配对"),
    "gate_agent.revoked": _l("停用开闸器"),
    "gate_command.sent": _l("发送开闸指令"),
    "gate_command.opened": lazy_pgettext("event", "已开闸"),
    "gate_command.failed": lazy_pgettext("event", "开闸失败"),
    "gate_command.timeout": lazy_pgettext("event", "道闸无响应"),
    "gate_command.expired": lazy_pgettext("event", "开闸指令过期"),
    "gate_command.unconfirmed": lazy_pgettext("event", "未收到开闸结果"),
}

AUDIT_LABELS = {
    "agent": _l("开闸器"),
    "adapter": _l("设备类型"),
    "version": _l("版本"),
    "command": _l("指令"),
    "arrival": _l("到访记录"),
    "answer": _l("设备应答"),
}


def init_app(app) -> None:
    """Register the audit events, the agents' API outside CSRF, and the settling sweep."""
    from xgm.alerts.jobs import register_watcher
    from xgm.audit import register_kinds
    from xgm.extensions import csrf
    from xgm.gateagents.alerting import watch_agents
    from xgm.gateagents.jobs import SWEEP
    from xgm.queues.periodic import PeriodicJob, register_periodic

    register_kinds(AUDIT_KINDS, AUDIT_LABELS)
    register_watcher("agent_offline", watch_agents)
    # Bearer credentials in a header, never cookies: a browser cannot be tricked into sending them.
    for view in (api.api_pair, api.api_claim, api.api_result):
        csrf.exempt(view)
    register_periodic(
        PeriodicJob(
            name=SWEEP,
            func="xgm.gateagents.jobs.settle_commands_job",
            queue="default",
            interval_key="XGM_GATE_COMMAND_SWEEP_INTERVAL",
        )
    )


from xgm.gateagents import api, views  # noqa: E402,F401 - registers the routes on bp
