"""`paginate()`: one page of a query, where a `?page=` past the end shows the last page."""

from flask import request

from xgm.extensions import db
from xgm.inputs import ID_MAX


def page_number(name: str = "page") -> int:
    """The requested page: a whole number from 1 (anything else is page 1), capped."""
    raw = (request.args.get(name) or "").strip()
    if not raw.isascii() or not raw.isdigit():
        return 1
    if len(raw) > len(str(ID_MAX)):
        return ID_MAX
    return max(1, min(int(raw), ID_MAX))


def paginate(query, per_page: int):
    """Flask-SQLAlchemy's pagination of `query` at the requested page, or the last page."""
    page = db.paginate(
        query, page=page_number(), per_page=per_page, max_per_page=per_page, error_out=False
    )
    if page.total and page.page > page.pages:
        page = db.paginate(
            query, page=page.pages, per_page=per_page, max_per_page=per_page, error_out=False
        )
    return page
