"""Events the city platform POSTs to /hooks/city: verified, stored once, handed to handlers.

Features register what to do with an event name:

    from xgm.webhooks import register_handler
    register_handler("complaint.status_changed", on_complaint_status)

A handler gets the event's JSON object and runs inside the transaction that stores the
event (so a resend, already stored, runs nothing). It must not commit. It may return a
callable, run once that transaction committed (pushes to guard phones and the like).
"""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)

from xgm.webhooks import views  # noqa: E402,F401  - registers the routes on bp
from xgm.webhooks.registry import handlers_for, register_handler  # noqa: E402


def init_app(app) -> None:
    """The city signs its webhooks; they carry no CSRF token."""
    from xgm.extensions import csrf

    csrf.exempt(views.city_hook)


__all__ = ["bp", "handlers_for", "init_app", "register_handler"]
