"""What a request may carry: the limits every id, date, page number and text is held to.

Hostile input gets a readable 4xx, never a 500 (README "Security"). The doors, one each:

- `<int:...>` in every URL rule is `IdConverter`: an id beyond the columns' range is a 404.
- `query_id(name)`: an id in the query string; beyond the range it is a 404.
- `xgm.inputs.forms.Form`, the base of every form: NUL bytes or lone surrogates in any field,
  numbers beyond the range and dates outside 2000-01-01..2099-12-31 are form errors, found
  before any of the form's own validators runs.
- `xgm.inputs.paging.paginate`: `?page=` beyond the last page shows the last page.
- `xgm.inputs.sqlguard`: the last line, under all of them: a NUL byte or lone surrogate that
  still reaches a SQL statement is a 400, the same on SQLite and PostgreSQL.
- `in_supported_range(day)`: for dates parsed outside forms (report periods, filters).
"""

import re
from datetime import date, datetime

from flask import abort, request
from werkzeug.routing import IntegerConverter, ValidationError

#: Every id column is INTEGER: int4 on PostgreSQL (SQLite's 8 bytes hold more; same rule).
ID_MIN, ID_MAX = -(2**31), 2**31 - 1
#: Dates the product works with (report periods, filters, complaint times, block ends).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)

_SURROGATE = re.compile("[\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """Why a text cannot be stored: "nul" (a NUL byte) or "surrogate" (a lone surrogate)."""
    if "\x00" in value:
        return "nul"
    if not value.isascii() and _SURROGATE.search(value):
        return "surrogate"
    return None


def in_id_range(value: int) -> bool:
    """True when an integer fits the id columns."""
    return ID_MIN <= value <= ID_MAX


def in_supported_range(day: date | datetime) -> bool:
    """True for a date (or the date of a datetime) within 2000-01-01..2099-12-31."""
    if isinstance(day, datetime):
        day = day.date()
    return FIRST_DAY <= day <= LAST_DAY


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to the id columns: a larger number does not match, so it is a 404."""

    #: Longer digit strings are out of range anyway (and int() refuses very long ones).
    MAX_DIGITS = len(str(ID_MAX))

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str):
        """The id, or no match (404) when it has too many digits for the range."""
        if len(value.lstrip("-")) > self.MAX_DIGITS:
            raise ValidationError()
        return super().to_python(value)


def query_id(name: str) -> int | None:
    """An id from the query string: None when absent or not a whole number, 404 when too large."""
    raw = (request.args.get(name) or "").strip()
    if not raw or not raw.lstrip("-").isdigit() or not raw.isascii():
        return None
    if len(raw.lstrip("-")) > IdConverter.MAX_DIGITS or not in_id_range(int(raw)):
        abort(404)
    return int(raw)


def init_app(app) -> None:
    """Bound `<int:>` in URL rules (call before blueprints are registered) and guard SQL."""
    from xgm.inputs import sqlguard

    app.url_map.converters["int"] = IdConverter
    sqlguard.init_app(app)
