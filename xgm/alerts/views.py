"""The owner's group robots (/settings/alerts) and everyone's notifications (/notifications)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from tenants import current_tenant_id, get_or_404, utcnow
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.forms import ConfirmForm
from xgm.alerts import bp
from xgm.alerts.bots import url_hint
from xgm.alerts.events import enqueue_after_commit
from xgm.alerts.forms import BOT_LABELS, HookForm
from xgm.alerts.kinds import KINDS, TEST
from xgm.alerts.models import AlertDelivery, AlertHook, Notification
from xgm.audit import record
from xgm.extensions import db
from xgm.inputs.paging import paginate
from xgm.sealed import seal

LOG_ROWS = 50
PER_PAGE = 50


def _page(form, status=200):
    hooks = db.session.scalars(
        select(AlertHook).where(AlertHook.removed_at.is_(None)).order_by(AlertHook.id)
    ).all()
    log = db.session.scalars(
        select(AlertDelivery).order_by(AlertDelivery.id.desc()).limit(LOG_ROWS)
    ).all()
    return (
        render_template(
            "alerts/settings.html",
            form=form,
            hooks=hooks,
            log=log,
            kinds=KINDS,
            bot_labels=BOT_LABELS,
            confirm=ConfirmForm(),
        ),
        status,
    )


@bp.get("/settings/alerts")
@office_required("owner")
def settings():
    """The owner's group robots, what each is sent, and the delivery log."""
    return _page(HookForm(formdata=None, events=list(KINDS)))


@bp.post("/settings/alerts/new")
@office_required("owner")
def new_hook():
    """Add a group robot (its URL and secret are stored encrypted)."""
    form = HookForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    hook = AlertHook(
        kind=form.kind.data,
        name=(form.name.data or "").strip() or str(BOT_LABELS[form.kind.data]),
        url_enc=seal(form.url.data),
        secret_enc=seal(form.secret.data),
        hint=url_hint(form.url.data),
        events=",".join(form.events.data),
    )
    db.session.add(hook)
    db.session.flush()
    record("alert_hook.created", detail={"hook": hook.name, "events": form.events.data})
    db.session.commit()
    flash(_("已添加机器人 %(name)s，可以点“发送测试消息”试一下", name=hook.name), "success")
    return redirect(url_for("alerts.settings"))


@bp.post("/settings/alerts/<int:hook_id>/test")
@office_required("owner")
def test_hook(hook_id: int):
    """Send a test message to a robot now (through the worker, logged like any delivery)."""
    hook = get_or_404(AlertHook, hook_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if hook.removed_at is not None:
        flash(_("机器人 %(name)s 已删除", name=hook.name), "info")
        return redirect(url_for("alerts.settings"))
    delivery = AlertDelivery(hook_id=hook.id, kind=TEST, due_at=utcnow())
    db.session.add(delivery)
    db.session.flush()
    enqueue_after_commit(current_tenant_id(), [delivery.id])
    db.session.commit()
    flash(_("测试消息已交给后台发送，几秒后在下面的发送记录里看结果"), "success")
    return redirect(url_for("alerts.settings"))


@bp.post("/settings/alerts/<int:hook_id>/delete")
@office_required("owner")
def delete_hook(hook_id: int):
    """Remove a robot: nothing more is sent to it; its delivery log stays."""
    hook = get_or_404(AlertHook, hook_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if hook.removed_at is None:
        hook.removed_at = utcnow()
        hook.url_enc = hook.secret_enc = ""  # its key is of no further use to anyone
        record("alert_hook.deleted", detail={"hook": hook.name})
        db.session.commit()
    flash(_("已删除机器人 %(name)s", name=hook.name), "success")
    return redirect(url_for("alerts.settings"))


@bp.get("/notifications")
@office_required()
def notifications():
    """The signed-in user's notifications, newest first, unread marked."""
    user = current_office_user()
    query = (
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    )
    return render_template(
        "alerts/notifications.html", page=paginate(query, PER_PAGE), confirm=ConfirmForm()
    )


@bp.post("/notifications/<int:notification_id>/read")
@office_required()
def read(notification_id: int):
    """Mark one notification read and open what it is about."""
    note = get_or_404(Notification, notification_id)
    if note.user_id != current_office_user().id:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    note.read_at = note.read_at or utcnow()
    db.session.commit()
    link = note.event.link
    return redirect(
        link if link.startswith("/") and not link.startswith("//") else url_for(".notifications")
    )


@bp.post("/notifications/read-all")
@office_required()
def read_all():
    """Mark every notification of the signed-in user read."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_office_user().id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    flash(_("已全部标为已读"), "success")
    return redirect(url_for("alerts.notifications"))
