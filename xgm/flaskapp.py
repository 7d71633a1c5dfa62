"""The Flask class the app is made of: Flask, with its per-request questions answered once.

Flask asks `ensure_sync()` of every hook, context processor and view on every request (about
twenty times for a page); the answer (the function itself, for a plain `def`) is inspected
anew each time. The product has no async views, so the answer is remembered per function.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


class App(Flask):
    """The product's Flask application class (see module)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        """Flask's answer, remembered for each hashable function (hooks and views are)."""
        try:
            return self._sync[func]
        except KeyError:
            sync = self._sync[func] = super().ensure_sync(func)
            return sync
        except TypeError:  # an unhashable callable: asked each time
            return super().ensure_sync(func)
