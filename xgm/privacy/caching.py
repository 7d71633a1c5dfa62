"""Responses that show a rider's name, phone or photo are never stored by a cache or browser.

A request that shows rider personal data is marked (`mark_rider_data()`): every access-log
call marks it (`log_access`), and views that show such data without logging each viewing (lists,
the guard's live stream, the rider's own pass) carry `@shows_rider_data`. One after-request hook
then sends `Cache-Control: no-store` on the marked response, whatever the view set before. The
test in tests/privacy/test_no_store.py walks every GET rule as every kind of principal and
fails for any response that holds a seeded rider's name, phone or photo without it.
"""

from functools import wraps

from flask import g, has_request_context

_FLAG = "_xgm_rider_data"


def mark_rider_data() -> None:
    """This request's response shows rider personal data: it will be sent with no-store."""
    if has_request_context():
        setattr(g, _FLAG, True)


def shows_rider_data(view):
    """Decorator: the view's responses show rider personal data (sent with no-store)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        mark_rider_data()
        return view(*args, **kwargs)

    return wrapped


def init_app(app) -> None:
    """Send `Cache-Control: no-store` on every marked response."""

    @app.after_request
    def _no_store(response):
        if g.get(_FLAG):
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
