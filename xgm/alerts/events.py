"""`raise_event`: the one entry point other features call when something deserves attention."""

import logging

from sqlalchemy import event as sa_event
from sqlalchemy import select

from tenants import tenant_context, utcnow
from xgm.accounts.models import User
from xgm.alerts.kinds import KINDS
from xgm.alerts.models import AlertDelivery, AlertEvent, AlertHook, Notification
from xgm.extensions import db

log = logging.getLogger(__name__)

_PENDING = "xgm_alert_deliveries"


def raise_event(
    tenant_id: int,
    kind: str,
    *,
    compound_id: int | None = None,
    ref: str = "",
    detail: str = "",
    link: str = "",
) -> int:
    """Record an event for a tenant: a notification for each office user, a delivery per bot.

    `kind` is one of xgm.alerts.kinds.KINDS. `ref` names what it is about by code (complaint
    reference, gate or rider code), `detail` is a short plain-Chinese fact, `link` a site path
    ("/complaints/12"): never rider names or phones. The rows join the caller's transaction
    (this flushes, never commits); the deliveries are enqueued on the worker after the
    caller's commit (the alerts sweep enqueues any a lost Redis dropped). Returns the event id.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    with tenant_context(tenant_id):
        now = utcnow()
        event = AlertEvent(
            kind=kind,
            compound_id=compound_id,
            ref=ref[:80],
            detail=detail[:200],
            link=link[:200],
            created_at=now,
        )
        db.session.add(event)
        db.session.flush()
        for user_id in db.session.scalars(select(User.id).where(User.active.is_(True))):
            db.session.add(Notification(user_id=user_id, event_id=event.id, created_at=now))
        deliveries = []
        for hook in db.session.scalars(
            select(AlertHook).where(AlertHook.removed_at.is_(None)).order_by(AlertHook.id)
        ):
            if kind in hook.event_list:
                delivery = AlertDelivery(
                    hook_id=hook.id, event_id=event.id, kind=kind, created_at=now, due_at=now
                )
                db.session.add(delivery)
                deliveries.append(delivery)
        db.session.flush()
        enqueue_after_commit(tenant_id, [d.id for d in deliveries])
        return event.id


def enqueue_after_commit(tenant_id: int, delivery_ids: list[int]) -> None:
    """Enqueue these deliveries once the current transaction commits (dropped on rollback)."""
    if not delivery_ids:
        return
    session = db.session()
    pending = session.info.setdefault(_PENDING, [])
    if not session.info.get(_PENDING + "_hooked"):
        session.info[_PENDING + "_hooked"] = True
        sa_event.listen(session, "after_commit", _after_commit)
        sa_event.listen(session, "after_rollback", _after_rollback)
    pending.extend((tenant_id, i) for i in delivery_ids)


def _after_commit(session) -> None:
    from xgm.alerts.delivery import enqueue_delivery

    pending, session.info[_PENDING] = session.info.get(_PENDING, []), []
    for tenant_id, delivery_id in pending:
        enqueue_delivery(tenant_id, delivery_id, 0)


def _after_rollback(session) -> None:
    session.info[_PENDING] = []
