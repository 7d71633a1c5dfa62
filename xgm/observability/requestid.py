"""The request id of the work in hand: taken from `X-Request-ID` or made, carried to jobs and the city.

Standard library only: the city client and the RQ worker read it without knowing of Flask.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

HEADER = "X-Request-ID"
#: What we accept from a client or a proxy; anything else is replaced by one of our own.
_VALID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

_current: ContextVar[str | None] = ContextVar("xgm_request_id", default=None)


def new_request_id() -> str:
    """A fresh id (32 hex characters)."""
    return uuid.uuid4().hex


def accept(value: str | None) -> str:
    """The client's id when it is a sane token (8-64 of [A-Za-z0-9._:-]), else a new one."""
    if value and _VALID.fullmatch(value):
        return value
    return new_request_id()


def current_request_id() -> str | None:
    """The id bound to this request or job, if any."""
    return _current.get()


def bind(request_id: str | None):
    """Bind an id for the current context; returns the token for `unbind`."""
    return _current.set(request_id)


def unbind(token) -> None:
    """Restore the id bound before `bind`."""
    _current.reset(token)
