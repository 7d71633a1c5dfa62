"""Who may open which office page: decorators for owners and managers."""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from xgm.accounts.models import User


def current_office_user() -> User | None:
    """The signed-in owner or manager, or None (guards, riders, observers are not office users)."""
    user = current_user
    if user.is_authenticated and isinstance(user._get_current_object(), User):
        return user._get_current_object()
    return None


def office_required(*roles: str):
    """Require a signed-in owner or manager (optionally of the given roles); else sign-in or 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
            user = current_office_user()
            if user is None:
                abort(403)
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
