"""Who may open the operator console: signed-in, active platform operators only."""

from functools import wraps

from flask import abort, redirect, request, url_for
from flask_login import current_user

from xgm.accounts.principals import load_principal
from xgm.ops.models import Operator, OperatorSession


def current_operator() -> Operator | None:
    """The signed-in platform operator, or None (tenant users and observers are not operators)."""
    if current_user.is_authenticated:
        principal = current_user._get_current_object()
        if isinstance(principal, Operator):
            return principal
    return None


def operator_required(view):
    """Require a signed-in operator: anonymous visitors go to /ops/login, anyone else gets 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("ops.login", next=request.full_path.rstrip("?")))
        if current_operator() is None:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def load_operator(rest: str) -> Operator | None:
    """Principal loader for kind "op": "<operator_id>:<nonce>"; binds no tenant."""
    return load_principal(Operator, OperatorSession, "operator_id", rest)
