"""Revocable sign-in sessions: a per-login nonce stored server side, checked on every request.

The Flask-Login id is "<kind>:<...>"; kinds register a loader here, so other account kinds
(operators, observers) reuse the same machinery. Office users are kind "u":
"u:<tenant_id>:<user_id>:<nonce>".
"""

import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import request
from flask_login import login_user, logout_user
from sqlalchemy import select, update

from tenants import set_request_tenant, utcnow
from xgm.accounts.models import LoginSession, User
from xgm.extensions import db, login_manager

LAST_SEEN_EVERY = timedelta(minutes=5)

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
    now = utcnow()
    if now - login_session.last_seen_at > LAST_SEEN_EVERY:
        login_session.last_seen_at = now
        db.session.commit()
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
