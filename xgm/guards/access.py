"""Who may open which guard page: the signed-in guard, their session and their phone.

The API the guard console builds on:

- `current_guard()`: the Guard signed in on this phone, or None.
- `current_guard_session()`: that guard's open GuardSession (device, started_at, ends_at), or None.
- `current_device()`: the enrolled phone this request comes from, or None.
- `@guard_required`: the view runs only for a guard session on its own phone; office users get
  403; anyone else is sent to /guard/signin (enrolled phone) or /device/enroll (no phone).
- `guard_get_or_404(Model, id)`: a tenant-owned object of the guard's own compound, else 404.
"""

from functools import wraps

from flask import abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import select

from xgm.accounts.access import current_office_user
from xgm.devices.access import current_device
from xgm.extensions import db
from xgm.guards.models import Guard, GuardSession

__all__ = [
    "current_device",
    "current_guard",
    "current_guard_session",
    "guard_get_or_404",
    "guard_required",
]


def current_guard() -> Guard | None:
    """The guard signed in on this phone, or None (office users, riders and strangers are not)."""
    if not current_user.is_authenticated:
        return None
    principal = current_user._get_current_object()
    return principal if isinstance(principal, Guard) else None


def current_guard_session() -> GuardSession | None:
    """The signed-in guard's open session (its device, start and end of shift), or None."""
    guard = current_guard()
    return guard.guard_session if guard is not None else None


def guard_required(view):
    """Require a guard signed in on this phone; office users 403, others to sign-in/enrollment."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_office_user() is not None:
            abort(403)
        if current_guard() is None:
            if current_device() is None:
                return redirect(url_for("devices.enroll"))
            return redirect(url_for("guardphone.signin"))
        return view(*args, **kwargs)

    return wrapped


def guard_get_or_404(model, ident):
    """Load a tenant-owned object with a `compound_id` of the signed-in guard's compound, else 404."""
    guard = current_guard()
    if guard is None:
        abort(404)
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    obj = db.session.scalars(
        select(model).where(model.id == ident, model.compound_id == guard.compound_id)
    ).first()
    if obj is None:
        abort(404)
    return obj
