"""The last line under every form and query check: no NUL byte or lone surrogate reaches SQL.

PostgreSQL refuses NUL in text and neither driver can encode a lone surrogate, so such a value
would fail deep inside a statement as a 500 (and SQLite would store what PostgreSQL refuses).
Every statement's parameters are looked at before they are sent; a bad text raises
`UnsafeText`, which the app answers with a 400 in Chinese (and a rolled-back session).
"""

from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.engine import Engine

from xgm.inputs import text_problem


class UnsafeText(ValueError):
    """A statement parameter held a NUL byte or a lone surrogate."""


def _check(value) -> None:
    """Raise UnsafeText for a bad text in value (a text, or a dict, list or tuple of them)."""
    if isinstance(value, str):
        if "\x00" in value or not value.isascii():  # the fast test; text_problem() says why
            problem = text_problem(value)
            if problem:
                raise UnsafeText(problem)
    elif isinstance(value, dict):
        _check_items(value.values())
    elif isinstance(value, list | tuple):
        _check_items(value)


def _check_items(items) -> None:
    # Paid by every statement: a loop over its parameters, recursing only into containers
    # (executemany rows) and looking closer only at a text that is not plain ASCII.
    for item in items:
        if type(item) is str:
            if item.isascii() and "\x00" not in item:
                continue
            _check(item)
        elif isinstance(item, str | dict | list | tuple):
            _check(item)


def _guard(conn, cursor, statement, parameters, context, executemany) -> None:
    _check(parameters)


def _answer(exc: UnsafeText):
    from xgm.errors import render_error
    from xgm.extensions import db

    db.session.rollback()
    return render_error(400, _("提交的内容含有无法识别的字符（如空字符），请删除后重试。"))


def init_app(app) -> None:
    """Check the parameters of every statement of every engine; answer UnsafeText with a 400."""
    if not event.contains(Engine, "before_cursor_execute", _guard):
        event.listen(Engine, "before_cursor_execute", _guard)
    app.register_error_handler(UnsafeText, _answer)
