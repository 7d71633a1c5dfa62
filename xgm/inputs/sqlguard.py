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
    if isinstance(value, str):
        if text_problem(value):
            raise UnsafeText(text_problem(value))
    elif isinstance(value, dict):
        for item in value.values():
            _check(item)
    elif isinstance(value, list | tuple):
        for item in value:
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
