"""Revocable sessions for principals outside the tenants (platform operators, observers).

Same idea as office users (xgm.accounts.sessions): a random nonce per sign-in, stored server
side and carried in the signed cookie as "<kind>:<id>:<nonce>"; revoking the row signs the
device out. Each principal kind has its own session table built on `PrincipalSessionMixin`.
"""

import secrets
from datetime import datetime

from flask import request
from flask_login import login_user
from sqlalchemy import String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from tenants import utcnow
from xgm.accounts.sessions import keep_alive
from xgm.extensions import db


class PrincipalSessionMixin:
    """Columns of one signed-in device of a non-tenant principal."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random per-login value carried in the signed session cookie.
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")


def principal_id(kind: str, principal) -> str:
    """The Flask-Login id of a non-tenant principal: "<kind>:<id>:<nonce>"."""
    nonce = principal.login_session.nonce if principal.login_session is not None else ""
    return f"{kind}:{principal.id}:{nonce}"


def load_principal(principal_model, session_model, owner_column: str, rest: str):
    """Load a principal from "<id>:<nonce>" when its session is live and it is active.

    A session past its idle timeout or lifetime is ended here (see sessions.keep_alive).
    """
    try:
        ident_s, nonce = rest.split(":", 1)
        ident = int(ident_s)
    except ValueError:
        return None
    if not nonce:
        return None
    owner = getattr(session_model, owner_column)
    row = db.session.execute(
        select(principal_model, session_model)
        .join(session_model, owner == principal_model.id)
        .where(
            principal_model.id == ident,
            session_model.nonce == nonce,
            session_model.revoked_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    principal, login_session = row
    if not principal.is_active:
        return None
    if keep_alive(login_session, utcnow()) is not None:
        return None
    principal.login_session = login_session
    return principal


def open_session(session_model, owner_column: str, principal):
    """Open a new revocable session for the principal on this device and sign them in."""
    login_session = session_model(
        **{owner_column: principal.id},
        nonce=secrets.token_urlsafe(32),
        ip=(request.remote_addr or "")[:45],
        user_agent=(request.user_agent.string or "")[:200],
    )
    db.session.add(login_session)
    db.session.commit()
    principal.login_session = login_session
    login_user(principal)
    return login_session


def revoke_all(session_model, owner_column: str, ident: int) -> int:
    """End every live session of one principal; returns how many ended (caller commits)."""
    result = db.session.execute(
        update(session_model)
        .where(getattr(session_model, owner_column) == ident, session_model.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount
