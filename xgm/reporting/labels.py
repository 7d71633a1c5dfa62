"""Chinese labels of outcomes, refusals and complaint statuses, for the figures' pages and CSV."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from xgm.reporting.periods import to_local

OUTCOME_LABELS = {
    "admitted": _l("放行"),
    "denied": _l("门卫拒绝"),
    "refused": _l("系统拦截"),
    "expired": _l("超时未处理"),
    "pending": _l("待处理"),
}

REFUSAL_LABELS = {
    "suspended": _l("小哥码已暂停"),
    "revoked": _l("小哥码已注销"),
    "expired": _l("小哥码已过期"),
    "blocked": _l("黑名单"),
    "unknown": _l("未知骑手"),
}


def reason_label(outcome: str, reason: str) -> str:
    """A denial's reason as typed, or a refusal's cause in words."""
    if outcome == "refused":
        return str(REFUSAL_LABELS.get(reason, reason or _("未注明")))
    return reason or _("未注明")


def duration(seconds: float | None) -> str:
    """Seconds as 45 秒 / 2 分 05 秒; a dash when there is no value."""
    if seconds is None:
        return "—"
    whole = int(round(seconds))
    if whole < 60:
        return _("%(s)d 秒", s=whole)
    return _("%(m)d 分 %(s)02d 秒", m=whole // 60, s=whole % 60)


def local_datetime(utc_naive) -> str:
    """A stored naive-UTC timestamp as Beijing time, YYYY-MM-DD HH:MM."""
    local = to_local(utc_naive)
    return local.strftime("%Y-%m-%d %H:%M") if local is not None else ""
