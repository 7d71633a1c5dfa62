"""`Form`: the base of every form of the app (CSRF from Flask-WTF, plus the input limits).

Before any field's own validators run, every field is checked against what the database and the
date arithmetic can take: text without NUL bytes or lone surrogates, numbers within the id
columns' range, dates within 2000-01-01..2099-12-31. A field that fails is a form error with a
Chinese message (the page shows the form again with what was typed), and nothing of the form is
validated or used further. tests/inputs/test_forms.py holds every form class to this base.

A JSON body (Flask-WTF reads one as the form's data) counts only as an object of plain values:
anything else (a list, a string, nested objects) is no form data at all, so it fails like an
empty form instead of breaking the form's machinery.
"""

import re
from datetime import date

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from xgm.inputs import in_id_range, in_supported_range, text_problem

_SURROGATES = re.compile("[\ud800-\udfff]")
MESSAGES = {
    "text": _l("含有无法识别的字符（如空字符），请删除后重新输入"),
    "number": _l("数字超出范围，请检查后重新输入"),
    "date": _l("日期应在 2000-01-01 到 2099-12-31 之间"),
}


def _showable(value):
    """Text that can be put back on the page: lone surrogates become U+FFFD."""
    return _SURROGATES.sub("\ufffd", value) if isinstance(value, str) else value


def _values(field) -> list:
    raw = [v for v in (field.raw_data or []) if isinstance(v, str)]
    data = field.data
    return raw + (list(data) if isinstance(data, list | tuple | set) else [data])


def field_problem(field) -> str | None:
    """ "text", "number" or "date" when the field's input is outside the limits, else None."""
    for value in _values(field):
        if isinstance(value, str):
            if text_problem(value):
                return "text"
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not in_id_range(value):
                return "number"
        elif isinstance(value, date) and not in_supported_range(value):
            return "date"
    return None


_UNSET = object()
_SUBMIT_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def _scalar(value) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def json_formdata() -> MultiDict:
    """The request's JSON body as form data: a flat object's plain values only."""
    data = request.get_json(silent=True)
    pairs = []
    if isinstance(data, dict):
        for key, value in data.items():
            for item in value if isinstance(value, list) else [value]:
                text = _scalar(item)
                if text is not None:
                    pairs.append((key, text))
    return MultiDict(pairs)


class Form(FlaskForm):
    """A Flask-WTF form whose fields are first held to the input limits (see the module)."""

    def __init__(self, formdata=_UNSET, **kwargs):
        if formdata is _UNSET:
            submitted_json = (
                has_request_context() and request.method in _SUBMIT_METHODS and request.is_json
            )
            if not submitted_json:
                super().__init__(**kwargs)
                return
            formdata = json_formdata()
        super().__init__(formdata=formdata, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        """False with a form error on every field beyond the limits; else the usual validation."""
        problems = {
            name: problem
            for name, field in self._fields.items()
            if (problem := field_problem(field))
        }
        if not problems:
            return super().validate(extra_validators)
        for name, problem in problems.items():
            field = self._fields[name]
            field.errors = [MESSAGES[problem]]
            if problem == "text":  # shown again: lone surrogates cannot even be sent as UTF-8
                field.raw_data = [_showable(v) for v in field.raw_data or []]
                if isinstance(field.data, str):
                    field.data = _showable(field.data)
        return False
