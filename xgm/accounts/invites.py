"""Invitation views: the owner invites and revokes; the invited manager sets a password."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from printables.screen import screen_qr_svg
from tenants import get_or_404, set_request_tenant, tenant_context, utcnow
from xgm.accounts import bp
from xgm.accounts.access import current_office_user, office_required
from xgm.accounts.emails import email_in_use, normalise_email, taken_message
from xgm.accounts.forms import AcceptInvitationForm, ConfirmForm, InvitationForm
from xgm.accounts.invitations import Invitation, claim, create, find, token_of
from xgm.accounts.models import User
from xgm.accounts.passwords import hash_secret
from xgm.accounts.sessions import sign_in, sign_out
from xgm.audit import record
from xgm.extensions import db, limiter


def invite_url(token: str) -> str:
    """The link the invited manager opens."""
    from flask import current_app

    base = current_app.config["XGM_PUBLIC_URL"].rstrip("/")
    return base + url_for("accounts.accept_invitation", token=token)


def pending_invitation(email: str) -> bool:
    """True when this tenant already has a pending invitation for the email."""
    now = utcnow()
    return (
        db.session.scalar(
            select(Invitation.id).where(
                Invitation.email == normalise_email(email),
                Invitation.used_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > now,
            )
        )
        is not None
    )


@bp.post("/team/invitations")
@office_required("owner")
def invite():
    """The owner invites a manager: a one-time link, valid 72 hours, then shown to copy."""
    from xgm.accounts.views import team_page

    form = InvitationForm()
    if not form.validate_on_submit():
        return team_page(invite_form=form, status=400)
    if email_in_use(form.email.data):
        form.email.errors.append(taken_message())
        return team_page(invite_form=form, status=400)
    if pending_invitation(form.email.data):
        form.email.errors.append(
            _("已经邀请过这个邮箱，邀请链接还有效：可在下面的邀请列表里复制或撤销")
        )
        return team_page(invite_form=form, status=400)
    invitation, _token = create(
        normalise_email(form.email.data), form.name.data, current_office_user().id
    )
    db.session.flush()
    record("invitation.created", detail={"email": invitation.email, "name": invitation.name})
    db.session.commit()
    return redirect(url_for("accounts.invitation", invitation_id=invitation.id))


@bp.get("/team/invitations/<int:invitation_id>")
@office_required("owner")
def invitation(invitation_id: int):
    """An invitation's link to copy and its QR code, while it can still be used."""
    item = get_or_404(Invitation, invitation_id)
    token = token_of(item)
    url = invite_url(token) if token else None
    return render_template(
        "accounts/invitation.html",
        invitation=item,
        url=url,
        qr=screen_qr_svg(url) if url else None,
        confirm=ConfirmForm(),
    )


@bp.post("/team/invitations/<int:invitation_id>/revoke")
@office_required("owner")
def revoke_invitation(invitation_id: int):
    """The owner withdraws a pending invitation: its link stops working at once."""
    item = get_or_404(Invitation, invitation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if item.state() == "pending":
        item.revoked_at = utcnow()
        record("invitation.revoked", detail={"email": item.email, "name": item.name})
        db.session.commit()
        flash(_("已撤销对 %(email)s 的邀请", email=item.email), "success")
    return redirect(url_for("accounts.team"))


def _gone(item: Invitation | None):
    state = item.state() if item is not None else "unknown"
    return render_template(
        "accounts/invitation_gone.html", state=state
    ), 404 if item is None else 410


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def accept_invitation(token: str):
    """The invited manager opens the link, sets a password and is signed in."""
    item = find(token)
    if item is None or item.state() != "pending":
        return _gone(item)
    set_request_tenant(item.tenant_id)
    form = AcceptInvitationForm()
    status = 200
    if form.validate_on_submit():
        status = 400
        if email_in_use(item.email):
            form.password.errors.append(
                _(
                    "邮箱 %(email)s 已有账号：请直接登录，或请管理员换一个邮箱重新邀请",
                    email=item.email,
                )
            )
        else:
            with tenant_context(item.tenant_id):
                if not claim(item.id):
                    db.session.rollback()
                    return _gone(item)
                user = User(
                    email=item.email,
                    name=item.name,
                    phone=form.phone.data,
                    role="manager",
                    password_hash=hash_secret(form.password.data),
                )
                db.session.add(user)
                try:
                    db.session.flush()
                except IntegrityError:  # the namespace's unique index: taken meanwhile
                    db.session.rollback()
                    form.password.errors.append(taken_message())
                    return render_template("accounts/accept.html", form=form, invitation=item), 400
                item.user_id = user.id
                record(
                    "invitation.accepted",
                    actor=user,
                    detail={"email": user.email, "name": user.name},
                )
                db.session.commit()
            if current_user.is_authenticated:  # someone else signed in on this phone
                _sign_out_other(current_office_user())
            sign_in(user)
            flash(_("欢迎加入 %(company)s！", company=user.tenant.name), "success")
            return redirect(url_for("home.index"))
    elif form.is_submitted():
        status = 400
    return render_template("accounts/accept.html", form=form, invitation=item), status


def _sign_out_other(signed_in) -> None:
    """End the session of whoever was signed in on this phone, inside that account's own
    company (it may be another company than the invitation's)."""
    if signed_in is None:
        sign_out(None)
        return
    with tenant_context(signed_in.tenant_id):
        sign_out(signed_in)
