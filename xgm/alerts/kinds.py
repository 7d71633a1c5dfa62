"""The catalogue of alert kinds: what can happen, its label, and its one-line message."""

from flask_babel import lazy_gettext as _l

#: Event kind -> label (the subscription checkboxes, the notification list, the bot message).
KINDS = {
    "complaint_status": _l("投诉状态变化"),
    "complaint_overdue": _l("投诉超时未处理"),
    "unattended": _l("骑手无人接待"),
    "overstay": _l("骑手逗留超时"),
    "agent_offline": _l("开闸器离线"),
    "phone_offline": _l("门岗手机离线"),
}

#: The pseudo-kind of the 发送测试消息 button (never subscribed to, never a notification).
TEST = "test"


def label(kind: str) -> str:
    """The readable name of a kind (the code itself for a kind no longer known)."""
    if kind == TEST:
        return str(_l("测试消息"))
    return str(KINDS.get(kind, kind))
