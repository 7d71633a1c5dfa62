"""What screens show of open commands: the guard card's and the gate page's state and labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from xgm.extensions import db
from xgm.gateagents.commands import settle_stale
from xgm.gateagents.models import GateCommand

STATUS_LABELS = {
    "pending": _l("等待开闸器"),
    "claimed": _l("正在开闸"),
    "opened": _l("已开闸"),
    "failed": _l("开闸失败"),
    "timeout": _l("道闸无响应"),
    "expired": _l("开闸器未接收"),
    "unconfirmed": _l("未收到开闸结果"),
}


def command_json(command: GateCommand) -> dict:
    """A command's state for a screen (the guard card, the gate page): status and answer."""
    from xgm.riders.city import to_cn_iso

    return {
        "id": command.key,
        "gate_id": command.gate_id,
        "arrival_id": command.arrival_id,
        "status": command.status,
        "label": str(STATUS_LABELS.get(command.status, command.status)),
        "finished": command.is_finished,
        "ok": command.status == "opened",
        "answer": command.answer,
        "created_at": to_cn_iso(command.created_at),
        "finished_at": to_cn_iso(command.finished_at),
    }


def latest_for_arrival(arrival_id: int) -> GateCommand | None:
    """The newest open command sent for an arrival (current tenant), settled if stale."""
    command = db.session.scalars(
        select(GateCommand)
        .where(GateCommand.arrival_id == arrival_id)
        .order_by(GateCommand.id.desc())
        .limit(1)
    ).first()
    if command is not None and not command.is_finished:
        settle_stale(command.gate_id)
        db.session.refresh(command)
    return command
