"""The operators' own log: what platform staff did, to whom, from where (OperatorAction).

Operators act across tenants (suspend a company, create observer accounts that see many
companies' data), so each action leaves a row that neither operators nor tenants can edit.
`record_action()` adds the row to the session; the view's commit writes it with the action.
"""

import json

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l

from xgm.extensions import db
from xgm.ops.models import Operator, OperatorAction

#: Every kind of operator action, with its label for the log page.
ACTIONS = {
    "operator.signed_in": _l("运营人员登录"),
    "operator.sign_in_failed": _l("运营登录失败"),
    "operator.signed_out": _l("运营人员退出"),
    "tenant.suspended": _l("暂停租户"),
    "tenant.resumed": _l("恢复租户"),
    "tenant.closure_cancelled": _l("撤销公司注销"),
    "tenant.deleted": _l("注销公司已删除"),
    "observer.created": _l("添加观察员"),
    "observer.deactivated": _l("停用观察员"),
    "observer.activated": _l("恢复观察员"),
    "observer.bound": _l("设置观察员辖区"),
    "job.requeued": _l("失败任务重新排队"),
}

#: Labels of the facts stored in `detail`, for the log page.
DETAIL_LABELS = {
    "reason": _l("原因"),
    "ended_sessions": _l("结束的会话"),
    "level": _l("级别"),
    "area": _l("辖区"),
    "division": _l("区划代码"),
    "role": _l("角色"),
    "previous": _l("原辖区"),
    "email": _l("邮箱"),
    "queue": _l("队列"),
    "rows": _l("删除的行数"),
}


def record_action(
    action: str,
    operator: Operator | None,
    *,
    tenant_id: int | None = None,
    target: str = "",
    name: str = "",
    **detail,
) -> OperatorAction:
    """Add an operator action to the session (the caller commits). `name` stands in for the
    operator's name when there is no operator (a failed sign-in: the email typed)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown operator action {action!r}")
    facts = {k: v for k, v in detail.items() if v not in (None, "")}
    row = OperatorAction(
        action=action,
        operator_id=operator.id if operator is not None else None,
        operator_name=(operator.name if operator is not None else name)[:254],
        tenant_id=tenant_id,
        target=target[:200],
        detail=json.dumps(facts, ensure_ascii=False) if facts else "",
        ip=((request.remote_addr or "") if has_request_context() else "")[:45],
    )
    db.session.add(row)
    return row


def describe(row: OperatorAction) -> list[tuple[str, str]]:
    """The action's detail facts as (label, value) pairs for display."""
    try:
        facts = json.loads(row.detail) if row.detail else {}
    except ValueError:
        return [("", row.detail)]
    if not isinstance(facts, dict):
        return [("", str(facts))]
    from xgm.oversight.models import LEVELS, ROLES

    labels = {"level": LEVELS, "role": ROLES}
    return [
        (str(DETAIL_LABELS.get(k, k)), str(labels[k].get(v, v) if k in labels else v))
        for k, v in facts.items()
    ]
