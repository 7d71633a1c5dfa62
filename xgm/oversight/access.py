"""Observer sign-in plumbing and the guard on /oversight pages."""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from xgm.accounts.principals import load_principal
from xgm.extensions import db
from xgm.oversight.models import Observer, ObserverSession


def current_observer() -> Observer | None:
    """The signed-in observer, or None."""
    if current_user.is_authenticated:
        principal = current_user._get_current_object()
        if isinstance(principal, Observer):
            return principal
    return None


def observer_required(view):
    """Require a signed-in observer: anonymous visitors go to /login, anyone else gets 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        if current_observer() is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def load_observer(rest: str) -> Observer | None:
    """Principal loader for kind "ob": "<observer_id>:<nonce>"; binds no tenant."""
    return load_principal(Observer, ObserverSession, "observer_id", rest)


def find_observer(email: str) -> Observer | None:
    """The observer with this email (for /login), or None."""
    return db.session.scalars(select(Observer).where(Observer.email == email)).first()
