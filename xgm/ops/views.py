"""Operator console views: sign-in, tenants (search, usage, suspend/resume), observers, health."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from redis.exceptions import RedisError
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from tenants import Tenant, unscoped, utcnow
from xgm.accounts.emails import email_in_use, taken_message
from xgm.accounts.forms import ConfirmForm, LoginForm
from xgm.accounts.models import LoginSession, User
from xgm.accounts.passwords import burn_verify_time, hash_secret, verify_secret
from xgm.accounts.principals import open_session, revoke_all
from xgm.accounts.redirects import local_next
from xgm.accounts.sessions import sign_out
from xgm.extensions import db, limiter
from xgm.guards.models import GuardSession
from xgm.inputs import query_id
from xgm.inputs.paging import paginate
from xgm.ops import bp, health
from xgm.ops.access import current_operator, operator_required
from xgm.ops.areas import picker_chain
from xgm.ops.forms import ObserverForm, ResumeForm, SuspendForm
from xgm.ops.journal import ACTIONS, describe, record_action
from xgm.ops.models import Operator, OperatorAction, OperatorSession
from xgm.ops.usage import tenant_usage
from xgm.oversight.area import bind_observer
from xgm.oversight.models import Observer, ObserverSession
from xgm.riders.link import city_link_down

TENANTS_PER_PAGE = 50


def _account_key() -> str:
    """Rate-limit key for the operator account being tried (the email typed)."""
    return "opacct:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/ops/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"], key_func=_account_key)
def login():
    """Platform operators sign in here, apart from every tenant's sign-in."""
    if current_operator() is not None:
        return redirect(url_for("ops.tenants"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        operator = db.session.scalars(
            select(Operator).where(Operator.email == form.email.data)
        ).first()
        if operator is None:
            burn_verify_time(form.password.data)
            error = _("邮箱或密码不正确")
        elif not verify_secret(operator.password_hash, form.password.data) or not operator.active:
            error = _("邮箱或密码不正确")
        else:
            record_action("operator.signed_in", operator)
            open_session(OperatorSession, "operator_id", operator)  # commits both
            return redirect(
                local_next(request.args.get("next"), url_for("ops.tenants"), under="/ops")
            )
    if error is not None:
        record_action(
            "operator.sign_in_failed", operator, name=form.email.data, email=form.email.data
        )
        db.session.commit()
    return render_template("ops/login.html", form=form, error=error)


@bp.route("/ops/logout", methods=["POST"])
@operator_required
def logout():
    """Sign the operator out of this device (the server-side session ends too)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operator = current_operator()
    record_action("operator.signed_out", operator)
    sign_out(operator)  # commits both
    return redirect(url_for("ops.login"))


def _tenant_query(q: str, status: str):
    stmt = select(Tenant).order_by(Tenant.created_at.desc(), Tenant.id.desc())
    if status in ("active", "suspended", "closing"):
        stmt = stmt.where(Tenant.status == status)
    if q:
        like = f"%{q}%"
        # Owner emails of every tenant: runs inside the caller's unscoped() block.
        by_email = select(User.tenant_id).where(User.email.ilike(like)).scalar_subquery()
        stmt = stmt.where(
            or_(
                Tenant.name.ilike(like),
                Tenant.uscc.ilike(like),
                Tenant.contact_phone.ilike(like),
                Tenant.id.in_(by_email),
            )
        )
    return stmt


@bp.route("/ops")
@operator_required
def tenants():
    """Every tenant, searchable, with its usage counts and status."""
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status", "")
    with unscoped():  # the search may look at users of every tenant
        page = paginate(_tenant_query(q, status), TENANTS_PER_PAGE)
    ids = [t.id for t in page.items]
    with unscoped():  # owners of the tenants on this page
        owners = dict(
            db.session.execute(
                select(User.tenant_id, func.min(User.email))
                .where(User.tenant_id.in_(ids), User.role == "owner")
                .group_by(User.tenant_id)
            ).all()
        )
    return render_template(
        "ops/tenants.html",
        page=page,
        q=q,
        status=status,
        usage=tenant_usage(ids),
        owners=owners,
    )


def _tenant_or_404(tid: int) -> Tenant:
    tenant = db.session.get(Tenant, tid)  # Tenant itself is not tenant-owned
    if tenant is None:
        abort(404)
    return tenant


def end_tenant_sessions(tenant_id: int) -> int:
    """End every live office and guard session of a tenant (caller commits); returns how many."""
    now = utcnow()
    with unscoped():  # the operator acts on another tenant's sessions
        offices = db.session.execute(
            update(LoginSession)
            .where(LoginSession.tenant_id == tenant_id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
        guards = db.session.execute(
            update(GuardSession)
            .where(GuardSession.tenant_id == tenant_id, GuardSession.ended_at.is_(None))
            .values(ended_at=now, end_reason="suspended")
        ).rowcount
    return offices + guards


@bp.route("/ops/tenants/<int:tid>/suspend", methods=["GET", "POST"])
@operator_required
def suspend(tid: int):
    """Suspend a tenant with a reason: nobody of it can sign in, its sessions end now."""
    tenant = _tenant_or_404(tid)
    form = SuspendForm()
    if form.validate_on_submit():
        tenant.status = "suspended"
        tenant.suspended_reason = form.reason.data
        ended = end_tenant_sessions(tenant.id)
        record_action(
            "tenant.suspended",
            current_operator(),
            tenant_id=tenant.id,
            target=tenant.name,
            reason=form.reason.data,
            ended_sessions=ended,
        )
        db.session.commit()
        flash(_("已暂停 %(name)s，%(n)d 个登录会话已结束", name=tenant.name, n=ended), "success")
        return redirect(url_for("ops.tenants"))
    return render_template("ops/tenant_status.html", tenant=tenant, form=form, action="suspend")


@bp.route("/ops/tenants/<int:tid>/resume", methods=["GET", "POST"])
@operator_required
def resume(tid: int):
    """Resume a suspended tenant; its users can sign in again."""
    tenant = _tenant_or_404(tid)
    form = ResumeForm()
    if form.validate_on_submit():
        record_action(
            "tenant.resumed",
            current_operator(),
            tenant_id=tenant.id,
            target=tenant.name,
            reason=tenant.suspended_reason,
        )
        tenant.status = "active"
        tenant.suspended_reason = ""
        db.session.commit()
        flash(_("已恢复 %(name)s", name=tenant.name), "success")
        return redirect(url_for("ops.tenants"))
    return render_template("ops/tenant_status.html", tenant=tenant, form=form, action="resume")


@bp.route("/ops/tenants/<int:tid>/cancel-closure", methods=["POST"])
@operator_required
def cancel_closure(tid: int):
    """Cancel a company's pending closure on its request; its users can sign in again."""
    tenant = _tenant_or_404(tid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if tenant.status == "closing":
        record_action(
            "tenant.closure_cancelled", current_operator(), tenant_id=tenant.id, target=tenant.name
        )
        tenant.status = "active"
        tenant.closing_at = None
        tenant.delete_after = None
        db.session.commit()
        flash(_("已撤销 %(name)s 的注销", name=tenant.name), "success")
    return redirect(url_for("ops.tenants", status="closing"))


@bp.route("/ops/observers")
@operator_required
def observers():
    """Observer accounts (community and street officials) and the form to add one."""
    return _observers_page(ObserverForm())


def _observers_page(form: ObserverForm):
    rows = db.session.scalars(
        select(Observer).order_by(Observer.active.desc(), Observer.created_at.desc())
    ).all()
    return render_template(
        "ops/observers.html",
        form=form,
        observers=rows,
        unbound=[o for o in rows if not o.division_code],
        confirm=ConfirmForm(),
        chain=picker_chain(form.division_code.data),
    )


@bp.route("/ops/observers/new", methods=["POST"])
@operator_required
def observer_new():
    """Create an observer bound to one city, county, street or community (division_code),
    with the role observer or regulator."""
    form = ObserverForm()
    if form.validate_on_submit():
        if email_in_use(form.email.data):
            form.email.errors.append(taken_message())
        else:
            observer = Observer(
                name=form.name.data,
                email=form.email.data,
                password_hash=hash_secret(form.password.data),
                role=form.role.data,
                created_by_operator_id=current_operator().id,
            )
            bind_observer(observer, form.division_code.data)
            db.session.add(observer)
            record_action(
                "observer.created",
                current_operator(),
                target=observer.name,
                email=observer.email,
                level=observer.level,
                area=observer.area,
                division=observer.division_code,
                role=observer.role,
            )
            try:
                db.session.commit()
            except IntegrityError:  # the namespace's unique index: someone took it meanwhile
                db.session.rollback()
                form.email.errors.append(taken_message())
            else:
                flash(_("已添加观察员 %(name)s", name=observer.name), "success")
                return redirect(url_for("ops.observers"))
    return _observers_page(form)


def _observer_or_404(oid: int) -> Observer:
    observer = db.session.get(Observer, oid)  # not tenant-owned
    if observer is None:
        abort(404)
    return observer


@bp.route("/ops/observers/<int:oid>/deactivate", methods=["POST"])
@operator_required
def observer_deactivate(oid: int):
    """Deactivate an observer: every session of theirs ends at once."""
    observer = _observer_or_404(oid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    observer.active = False
    ended = revoke_all(ObserverSession, "observer_id", observer.id)
    record_action(
        "observer.deactivated",
        current_operator(),
        target=observer.name,
        email=observer.email,
        ended_sessions=ended,
    )
    db.session.commit()
    flash(_("已停用观察员 %(name)s", name=observer.name), "success")
    return redirect(url_for("ops.observers"))


@bp.route("/ops/observers/<int:oid>/activate", methods=["POST"])
@operator_required
def observer_activate(oid: int):
    """Restore a deactivated observer."""
    observer = _observer_or_404(oid)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    observer.active = True
    record_action(
        "observer.activated", current_operator(), target=observer.name, email=observer.email
    )
    db.session.commit()
    flash(_("已恢复观察员 %(name)s", name=observer.name), "success")
    return redirect(url_for("ops.observers"))


@bp.route("/ops/health")
@operator_required
def system_health():
    """Queue lengths, failed jobs, the city link and the complaints outbox backlog."""
    redis_error = None
    queues, failed = [], []
    try:
        queues = health.queue_states()
        failed = health.failed_jobs()
    except RedisError as exc:
        redis_error = str(exc)[:200]
    return render_template(
        "ops/health.html",
        queues=queues,
        failed=failed,
        redis_error=redis_error,
        city=health.city_status(refresh=request.args.get("refresh") == "1"),
        scans_see_city_down=city_link_down(),
        outbox=health.outbox_backlog(),
        confirm=ConfirmForm(),
    )


@bp.route("/ops/health/failed/<queue>/<jid>/requeue", methods=["POST"])
@operator_required
def requeue(queue: str, jid: str):
    """Put one failed job back on its queue."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        done = health.requeue_failed(queue, jid)
    except RedisError:
        done = False
    if done:
        record_action("job.requeued", current_operator(), target=jid, queue=queue)
        db.session.commit()
        flash(_("任务已重新排队"), "success")
    else:
        flash(_("该任务已不在失败列表中"), "error")
    return redirect(url_for("ops.system_health"))


ACTIONS_PER_PAGE = 100


@bp.route("/ops/actions")
@operator_required
def actions():
    """The operators' log, newest first; ?tenant=<id> narrows it to one tenant."""
    tenant_id = query_id("tenant")
    kind = request.args.get("action", "")
    query = select(OperatorAction).order_by(OperatorAction.id.desc())
    if tenant_id is not None:
        query = query.where(OperatorAction.tenant_id == tenant_id)
    if kind in ACTIONS:
        query = query.where(OperatorAction.action == kind)
    page = paginate(query, ACTIONS_PER_PAGE)
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    return render_template(
        "ops/actions.html",
        page=page,
        tenant=tenant,
        tenant_id=tenant_id,
        kind=kind if kind in ACTIONS else "",
        labels=ACTIONS,
        describe=describe,
    )
