"""Revocable sign-in sessions: a per-login nonce stored server side, checked on every request.

The Flask-Login id is "<kind>:<...>"; kinds register a loader here, so other account kinds
(operators, observers) reuse the same machinery. Office users are kind "u":
"u:<tenant_id>:<user_id>:<nonce>".
"""

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import current_app, flash, request, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import select, update

from tenants import set_request_tenant, utcnow
from xgm.accounts.models import LoginSession, User
from xgm.extensions import db, login_manager

LAST_SEEN_EVERY = timedelta(minutes=5)


def _duration(seconds: float) -> str:
    """A setting's length in words: "14 天", "12 小时", "30 分钟"."""
    seconds = float(seconds)
    for unit, label in ((86400, _("%(n)s 天")), (3600, _("%(n)s 小时"))):
        if seconds >= unit and (seconds / unit).is_integer():
            return label % {"n": int(seconds / unit)}
    return _("%(n)s 分钟") % {"n": max(1, round(seconds / 60))}


def session_expiry(login_session, now: datetime) -> str | None:
    """Why a sign-in session is over by the clock ("idle" or "lifetime"), or None while it lives.

    Both limits are checked here, on the server, against the session's row:
    XGM_SESSION_IDLE_TIMEOUT seconds since it was last used (12 h) and XGM_SESSION_MAX_AGE
    seconds since sign-in (14 days). Used by every kind of sign-in session (office users,
    observers, operators).
    """
    config = current_app.config
    if now - login_session.created_at >= timedelta(seconds=config["XGM_SESSION_MAX_AGE"]):
        return "lifetime"
    if now - login_session.last_seen_at >= timedelta(seconds=config["XGM_SESSION_IDLE_TIMEOUT"]):
        return "idle"
    return None


def expire_session(login_session, reason: str, now: datetime) -> None:
    """End a session that ran out (commits), drop it from the cookie and say why on sign-in."""
    login_session.revoked_at = now
    db.session.commit()
    session.pop("_user_id", None)
    config = current_app.config
    if reason == "lifetime":
        duration = _duration(config["XGM_SESSION_MAX_AGE"])
        flash(_("登录已超过 %(duration)s，为安全起见请重新登录", duration=duration), "warning")
    else:
        duration = _duration(config["XGM_SESSION_IDLE_TIMEOUT"])
        flash(_("超过 %(duration)s未操作，已自动退出，请重新登录", duration=duration), "warning")


def keep_alive(login_session, now: datetime) -> str | None:
    """The check every loader runs on a live session row: expire it, or note it was used.

    Returns the expiry reason (the session is then ended, see expire_session) or None. The
    last use is written at most every 5 minutes (every tenth of the idle timeout when shorter).
    """
    reason = session_expiry(login_session, now)
    if reason is not None:
        expire_session(login_session, reason, now)
        return reason
    idle = timedelta(seconds=current_app.config["XGM_SESSION_IDLE_TIMEOUT"])
    if now - login_session.last_seen_at > min(LAST_SEEN_EVERY, idle / 10):
        login_session.last_seen_at = now
        db.session.commit()
    return None


_LOADERS: dict[str, Callable[[str], object | None]] = {}


def register_loader(kind: str, loader: Callable[[str], object | None]) -> None:
    """Register how to load a signed-in principal whose id starts with "<kind>:"."""
    _LOADERS[kind] = loader


@login_manager.user_loader
def _load_principal(principal_id: str):
    kind, _, rest = principal_id.partition(":")
    loader = _LOADERS.get(kind)
    return loader(rest) if loader else None


def _load_office_user(rest: str) -> User | None:
    """Load an office user from "<tenant_id>:<user_id>:<nonce>", binding the request's tenant."""
    try:
        tenant_id_s, user_id_s, nonce = rest.split(":", 2)
        tenant_id, user_id = int(tenant_id_s), int(user_id_s)
    except ValueError:
        return None
    if not nonce:
        return None
    set_request_tenant(tenant_id)
    row = db.session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_id,
            LoginSession.nonce == nonce,
            LoginSession.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    user, login_session = row
    if not user.is_active:
        return None
    if keep_alive(login_session, utcnow()) is not None:
        return None
    user.login_session = login_session
    return user


register_loader("u", _load_office_user)

_PASSWORD_PRINCIPALS: list[Callable[[str], object | None]] = []


def register_password_principal(finder: Callable[[str], object | None]) -> None:
    """Let another account kind sign in at /login when no office user has the email.

    `finder(email)` returns None or a principal with `password_hash`, `is_active`,
    `sign_in()` and `landing_endpoint` (observers use this).
    """
    if finder not in _PASSWORD_PRINCIPALS:
        _PASSWORD_PRINCIPALS.append(finder)


def find_password_principal(email: str):
    """The first non-office principal registered for this email, or None."""
    for finder in _PASSWORD_PRINCIPALS:
        principal = finder(email)
        if principal is not None:
            return principal
    return None


def sign_in(user: User) -> LoginSession:
    """Open a new revocable session for the user on this device and sign them in."""
    set_request_tenant(user.tenant_id)
    login_session = LoginSession(
        tenant_id=user.tenant_id,
        user_id=user.id,
        nonce=secrets.token_urlsafe(32),
        ip=(request.remote_addr or "")[:45],
        user_agent=(request.user_agent.string or "")[:200],
    )
    db.session.add(login_session)
    db.session.commit()
    user.login_session = login_session
    login_user(user)
    return login_session


def sign_out(user: User | None) -> None:
    """End the current device's session (server side too) and clear the cookie."""
    if user is not None and getattr(user, "login_session", None) is not None:
        user.login_session.revoked_at = utcnow()
        db.session.commit()
    logout_user()


def revoke_sessions(user: User, keep: LoginSession | None = None) -> int:
    """End every session of a user on every device (except `keep`); returns how many ended."""
    stmt = (
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if keep is not None:
        stmt = stmt.where(LoginSession.id != keep.id)
    result = db.session.execute(stmt)
    db.session.commit()
    return result.rowcount
