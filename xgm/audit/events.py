"""The audit event kinds and `record()`, the one way features write to the audit log."""

import json

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import current_user

from xgm.audit.models import AuditEvent
from xgm.extensions import db

#: Every kind of audit event, with its label for the audit page's filter (the "event" context
#: keeps English labels apart from the buttons of the same Chinese wording).
KINDS = {
    "guard.created": lazy_pgettext("event", "添加门卫"),
    "guard.updated": _l("修改门卫"),
    "guard.signed_in": lazy_pgettext("event", "门卫登录"),
    "guard.pin_failed": _l("PIN 错误"),
    "guard.locked": _l("门卫被锁定"),
    "guard.unlocked": lazy_pgettext("event", "解除锁定"),
    "guard.pin_reset": lazy_pgettext("event", "重置 PIN"),
    "guard.handover": lazy_pgettext("event", "交班"),
    "guard.shift_ended": _l("班次到时"),
    "guard.deactivated": lazy_pgettext("event", "停用门卫"),
    "guard.activated": lazy_pgettext("event", "恢复门卫"),
    "device.code_created": lazy_pgettext("event", "生成登记码"),
    "device.enrolled": _l("手机登记"),
    "device.renamed": _l("手机改名"),
    "device.revoked": _l("停用手机"),
    "settings.shift_hours": _l("修改班次时长"),
    "settings.wait_alarm": _l("修改等待提醒时间"),
    # Office actions (issue 17): every write route of the office writes one of these.
    "company.signed_up": _l("公司注册"),
    "user.created": _l("添加管理员"),
    "user.deactivated": _l("停用管理员"),
    "user.activated": _l("恢复管理员"),
    "user.password_changed": _l("修改密码"),
    "compound.created": _l("登记小区"),
    "compound.updated": _l("修改小区"),
    "compound.archived": _l("归档小区"),
    "compound.restored": _l("恢复小区"),
    "gate.created": _l("添加门岗"),
    "gate.updated": _l("修改门岗"),
    "gate.deactivated": _l("停用门岗"),
    "gate.activated": _l("启用门岗"),
    "gate.token_rotated": _l("更换门岗二维码"),
    "poster.printed": _l("打印海报"),
    "block.added": _l("加入黑名单"),
    "block.lifted": _l("解除黑名单"),
    "complaint.filed": _l("提交投诉"),
    "complaint.resent": _l("重新提交投诉"),
    "complaint.chased": _l("催办投诉"),
    "export.requested": _l("申请导出"),
    "export.retried": _l("重试导出"),
    "export.downloaded": _l("下载导出"),
    "settings.retention": _l("修改个人信息保留期"),
    "settings.audit_retention": _l("修改审计日志保留期"),
    "company.export_requested": _l("申请导出公司全部数据"),
    "company.export_downloaded": _l("下载公司全部数据"),
    "company.closed": _l("注销公司账号"),
    "company.closure_cancelled": _l("撤销注销"),
    "rider.deletion_requested": _l("骑手申请删除记录"),
    "rider.deletion_done": _l("已删除骑手记录"),
    "rider.deletion_refused": _l("拒绝删除骑手记录"),
    "rider.phone_viewed": _l("查看骑手完整手机号"),
    "privacy.purged": _l("自动清除过期数据"),
}


#: Labels of the facts stored in `detail`, for the audit page.
DETAIL_LABELS = {
    "guard": _l("门卫"),
    "device": _l("手机"),
    "compound": _l("小区"),
    "gate": _l("门岗"),
    "reason": _l("原因"),
    "failures": _l("连续错误"),
    "until": _l("锁定至"),
    "old": _l("原值"),
    "new": _l("新值"),
    "fields": _l("修改项"),
    "ended_sessions": _l("结束的会话"),
    "changes": _l("改动"),
    "name": _l("名称"),
    "rider_code": _l("骑手编号"),
    "email": _l("邮箱"),
    "role": _l("角色"),
    "kind": _l("类型"),
    "period": _l("期间"),
    "delete_after": _l("删除日期"),
    "request": _l("申请编号"),
    "complaint": _l("投诉编号"),
    "export": _l("导出编号"),
    "scope": _l("范围"),
    "rows": _l("行数"),
    "arrivals": _l("进出记录"),
    "complaints": _l("投诉"),
    "audit_events": _l("审计日志"),
    "exports": _l("导出文件"),
}

#: Readable names of the reasons a guard session ends (GuardSession.end_reason).
REASONS = {
    "handover": lazy_pgettext("event", "交班"),
    "shift_end": _l("班次到时"),
    "deactivated": _l("门卫被停用"),
    "pin_reset": _l("PIN 被重置"),
    "device_revoked": _l("手机被停用"),
    "moved": _l("门卫调到其他小区"),
    "replaced": _l("其他门卫在本机登录"),
    "reenrolled": _l("本机已重新登记"),
    "suspended": _l("公司被平台暂停使用"),
}


def register_kinds(kinds: dict, labels: dict | None = None) -> None:
    """Add a feature's event kinds (and labels of its detail facts); called from its init_app."""
    KINDS.update(kinds)
    DETAIL_LABELS.update(labels or {})


def describe(event: AuditEvent) -> list[tuple[str, str]]:
    """The event's detail facts as (label, value) pairs for display."""
    try:
        facts = json.loads(event.detail) if event.detail else {}
    except ValueError:
        return [("", event.detail)]
    if not isinstance(facts, dict):
        return [("", str(facts))]
    pairs = []
    for key, value in facts.items():
        if value in ("", None, []):
            continue
        if key == "reason":
            value = REASONS.get(value, value)
        if key == "changes" and isinstance(value, dict):
            value = "; ".join(f"{k}: {_plain(v[0])} → {_plain(v[1])}" for k, v in value.items())
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        pairs.append((str(DETAIL_LABELS.get(key, key)), str(value)))
    return pairs


def _plain(value) -> str:
    return "—" if value in ("", None) else str(value)


def changes(before: dict, obj, fields) -> dict:
    """{field: [old, new]} for the fields of `obj` that differ from the `before` snapshot."""
    out = {}
    for field in fields:
        new = getattr(obj, field)
        if before.get(field) != new:
            out[field] = [before.get(field), new]
    return out


def snapshot(obj, fields) -> dict:
    """The fields' current values, to compare with `changes()` after an edit."""
    return {field: getattr(obj, field) for field in fields}


def _principal_actor(principal) -> tuple[str, int | None, str]:
    """(kind, id, name) of a principal with `audit_actor()` (user, guard, device, gate agent)."""
    actor = getattr(principal, "audit_actor", None)
    if callable(actor):
        return actor()
    return "system", None, ""


def record(kind: str, *, guard=None, device=None, actor=None, **fields) -> AuditEvent:
    """Add an audit event to the session; the caller's commit writes it with the action itself.

    The actor defaults to the signed-in principal (office user or guard), else the device, else
    "system". `fields` may set any column directly (guard_id, device_id, actor_name, ip, ...);
    `detail` may be a dict (stored as JSON).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown audit event kind {kind!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if actor is None:
        actor = device
    actor_kind, actor_id, actor_name = _principal_actor(actor)
    detail = fields.pop("detail", None)
    if detail is None or isinstance(detail, dict):
        facts = {}
        if guard is not None:
            facts["guard"] = guard.name
        if device is not None:
            facts["device"] = device.name
        facts.update(detail or {})
        detail = json.dumps(facts, ensure_ascii=False, sort_keys=True, default=str) if facts else ""
    values = {
        "kind": kind,
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "actor_name": (actor_name or "")[:50],
        "guard_id": guard.id if guard is not None else None,
        "device_id": device.id if device is not None else None,
        "ip": ((request.remote_addr or "") if has_request_context() else "")[:45],
        "detail": detail,
    }
    values.update(fields)
    event = AuditEvent(**values)
    db.session.add(event)
    return event
