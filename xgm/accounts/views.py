"""Views for sign-up, sign-in, sign-out, the team and the password."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tenants import Tenant, get_or_404, set_request_tenant, unscoped
from xgm.accounts import bp
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.emails import email_in_use, taken_message
from xgm.accounts.forms import (
    ConfirmForm,
    InvitationForm,
    LoginForm,
    ManagerForm,
    PasswordChangeForm,
    SignupForm,
)
from xgm.accounts.models import User
from xgm.accounts.passwords import burn_verify_time, hash_secret, verify_secret
from xgm.accounts.redirects import local_next
from xgm.accounts.sessions import (
    find_password_principal,
    revoke_sessions,
    sign_in,
    sign_out,
)
from xgm.audit import record
from xgm.extensions import db, limiter


def _account_key() -> str:
    """Rate-limit key for the account being tried (the email typed)."""
    return "acct:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def signup():
    """A property company creates its own space and owner account."""
    form = SignupForm()
    if form.is_submitted():
        ok = form.validate_on_submit()
        # Every problem at once: the database checks run for the fields that are well formed,
        # even when another field is wrong.
        if form.csrf_token.errors:
            ok = False
        else:
            if not form.uscc.errors and form.uscc.data:
                # A USCC is unique across every tenant (the tenant table is not scoped).
                uscc_taken = db.session.scalar(
                    select(func.count()).select_from(Tenant).where(Tenant.uscc == form.uscc.data)
                )
                if uscc_taken:
                    form.uscc.errors.append(
                        _("该统一社会信用代码已注册；如需加入，请联系贵公司的管理员")
                    )
                    ok = False
            if not form.email.errors and form.email.data and email_in_use(form.email.data):
                form.email.errors.append(_("该邮箱已被其他账号使用，请直接登录或换一个邮箱"))
                ok = False
        if ok:
            tenant = Tenant(
                name=form.company_name.data,
                uscc=form.uscc.data,
                contact_name=form.contact_name.data,
                contact_phone=form.phone.data,
            )
            db.session.add(tenant)
            try:
                db.session.flush()
                set_request_tenant(tenant.id)
                owner = User(
                    email=form.email.data,
                    name=form.contact_name.data,
                    phone=form.phone.data,
                    role="owner",
                    password_hash=hash_secret(form.password.data),
                )
                db.session.add(owner)
                db.session.flush()
                record("company.signed_up", actor=owner, detail={"name": tenant.name})
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                form.email.errors.append(_("该公司或邮箱刚刚已被注册，请检查后重试"))
            else:
                sign_in(owner)
                flash(_("欢迎使用小哥码门岗！按下面的步骤完成开通。"), "success")
                return redirect(url_for("home.index"))
    status = 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@limiter.limit("5 per minute;20 per hour", methods=["POST"], key_func=_account_key)
def login():
    """Owners and managers sign in with email and password."""
    if current_office_user() is not None:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        with unscoped():  # the email alone says which tenant the account belongs to
            user = db.session.scalars(select(User).where(User.email == form.email.data)).first()
        other = find_password_principal(form.email.data) if user is None else None
        if other is not None:  # an observer (community / street official)
            if not verify_secret(other.password_hash, form.password.data):
                error = _("邮箱或密码不正确")
            elif not other.is_active:
                error = _("该账号已停用，请联系平台运营方。")
            else:
                other.sign_in()
                landing = url_for(other.landing_endpoint)
                return redirect(local_next(request.args.get("next"), landing, under=landing))
        elif user is None:
            burn_verify_time(form.password.data)
            error = _("邮箱或密码不正确")
        elif not verify_secret(user.password_hash, form.password.data):
            error = _("邮箱或密码不正确")
        elif not user.tenant.is_active:
            error = _("贵公司的账号已被暂停使用，请联系平台运营方。")
        elif not user.active:
            error = _("该账号已停用，请联系贵公司的管理员。")
        else:
            sign_in(user)
            return redirect(local_next(request.args.get("next"), url_for("home.index")))
    return render_template("accounts/login.html", form=form, error=error)


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out this device (the server-side session ends too)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    sign_out(current_user._get_current_object() if current_user.is_authenticated else None)
    flash(_("已退出登录"), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/team", methods=["GET", "POST"])
@office_required("owner")
def team():
    """The owner lists, invites, adds and deactivates managers."""
    form = ManagerForm()
    if form.validate_on_submit():
        if email_in_use(form.email.data):
            form.email.errors.append(taken_message())
        else:
            db.session.add(
                User(
                    email=form.email.data,
                    name=form.name.data,
                    phone=form.phone.data,
                    role="manager",
                    password_hash=hash_secret(form.password.data),
                )
            )
            record(
                "user.created",
                detail={"name": form.name.data, "email": form.email.data, "role": "manager"},
            )
            try:
                db.session.commit()
            except IntegrityError:  # the namespace's unique index: someone took it meanwhile
                db.session.rollback()
                form.email.errors.append(taken_message())
            else:
                flash(_("已添加管理员 %(name)s", name=form.name.data), "success")
                return redirect(url_for("accounts.team"))
    return team_page(form=form)


def team_page(form=None, invite_form=None, status: int = 200):
    """The team page: accounts, invitations, and the two ways to add a manager."""
    from xgm.accounts.invitations import Invitation

    users = db.session.scalars(select(User).order_by(User.role.desc(), User.created_at)).all()
    invitations = db.session.scalars(
        select(Invitation).order_by(Invitation.created_at.desc()).limit(50)
    ).all()
    return (
        render_template(
            "accounts/team.html",
            form=form or ManagerForm(formdata=None),
            invite_form=invite_form or InvitationForm(formdata=None),
            users=users,
            invitations=invitations,
            confirm=ConfirmForm(),
        ),
        status,
    )


def _set_active(user_id: int, active: bool):
    form = ConfirmForm()
    user = get_or_404(User, user_id)
    if not form.validate_on_submit():
        abort(400)
    if user.role == "owner":
        flash(_("不能停用公司所有者账号"), "error")
        return redirect(url_for("accounts.team"))
    user.active = active
    record("user.activated" if active else "user.deactivated", detail={"name": user.name})
    db.session.commit()
    if not active:
        revoke_sessions(user)
        flash(_("已停用 %(name)s，其所有设备已退出登录", name=user.name), "success")
    else:
        flash(_("已恢复 %(name)s", name=user.name), "success")
    return redirect(url_for("accounts.team"))


@bp.route("/team/<int:user_id>/deactivate", methods=["POST"])
@office_required("owner")
def deactivate(user_id: int):
    """The owner deactivates a manager; their sessions end on every device."""
    return _set_active(user_id, False)


@bp.route("/team/<int:user_id>/activate", methods=["POST"])
@office_required("owner")
def activate(user_id: int):
    """The owner restores a deactivated manager."""
    return _set_active(user_id, True)


@bp.route("/account/password", methods=["GET", "POST"])
@office_required()
def password():
    """A user changes their password; every other device is signed out."""
    user = current_office_user()
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not verify_secret(user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("当前密码不正确"))
        else:
            user.password_hash = hash_secret(form.password.data)
            record("user.password_changed", detail={"name": user.name})
            db.session.commit()
            revoke_sessions(user, keep=user.login_session)
            flash(_("密码已修改，其他设备已退出登录"), "success")
            return redirect(url_for("home.index"))
    return render_template("accounts/password.html", form=form)
