"""Typed failures of the city platform: callers decide on these, never on raw HTTP."""

from __future__ import annotations


class CityError(Exception):
    """Base of every failure talking to (or being called by) the city platform."""

    #: True when trying again later with the same request may succeed.
    transient: bool = False

    def __init__(self, message: str = "", *, status: int | None = None) -> None:
        super().__init__(message or self.__class__.__name__)
        self.message = message or self.__class__.__name__
        #: HTTP status the city answered with, None when no answer came.
        self.status = status


class CityUnavailable(CityError):
    """The city did not answer usefully: 5xx, timeout, connection error or garbage."""

    transient = True


class CityRateLimited(CityUnavailable):
    """429 from the city; `retry_after` seconds come from its Retry-After header."""

    def __init__(
        self, message: str = "", *, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class UnknownRider(CityError):
    """The city does not know this rider code (404 on lookup or on a complaint)."""


class UnknownComplaint(CityError):
    """The city does not know this complaint id (404 on a complaint lookup)."""


class BadSignature(CityError):
    """A signed request was refused: by the city (401) or by our own verify()."""

    def __init__(self, reason: str = "bad signature", *, status: int | None = None) -> None:
        super().__init__(reason, status=status)
        self.reason = reason


class InvalidClient(BadSignature):
    """The city refused our client id or secret at the token endpoint (401)."""


class InvalidGrant(CityError):
    """The authorization code was refused: reused, expired, unknown or mismatched (400)."""


class ComplaintRejected(CityError):
    """The city refused a complaint body (400); `fields` maps field names to reasons."""

    def __init__(
        self, message: str = "", fields: dict[str, str] | None = None, *, status: int | None = 400
    ) -> None:
        super().__init__(message, status=status)
        self.fields: dict[str, str] = dict(fields or {})


class ComplaintClosed(CityError):
    """A reminder about a complaint the city already resolved or rejected (409, section 7)."""
