"""Administrative divisions (行政区划) as data: the catalog, free-text resolution, GET /divisions.

Low in the layers: compounds, observers and the operator console use it; it imports none of
them. Who may read GET /divisions is filled in by the features that have such users
(`register_reader`), so this package needs no knowledge of accounts or operators.
"""

from collections.abc import Callable

from flask import Blueprint

bp = Blueprint("divisions", __name__)

#: Checks "may the signed-in principal read the divisions?", registered by the features.
_READERS: list[Callable[[], bool]] = []


def register_reader(check: Callable[[], bool]) -> None:
    """Let the principals for which `check()` is true read GET /divisions."""
    if check not in _READERS:
        _READERS.append(check)


def may_read() -> bool:
    """True when a registered check admits the signed-in principal."""
    return any(check() for check in _READERS)


def init_app(app) -> None:
    """Template helpers: `code | division_path` and the picker's chain of a code."""
    from xgm.divisions.catalog import catalog

    @app.template_filter("division_path")
    def _division_path(code: str | None, start: str = "city") -> str:
        """The names of a division from `start` down ("杭州市桐庐县城南街道"), or ""."""
        return catalog().path(code, start=start) if code else ""


from xgm.divisions import views  # noqa: E402,F401  - registers the routes on bp
