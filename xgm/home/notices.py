"""Notices on the office home page: each feature registers a function that lists what needs
the manager's attention now (e.g. compounds without a division)."""

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    """A banner: a sentence and the (label, url) links of the things it is about."""

    text: str
    links: list[tuple[str, str]] = field(default_factory=list)
    level: str = "warning"


_PROVIDERS: dict[str, Callable[[], list[Notice]]] = {}


def register_notices(key: str, provider: Callable[[], list[Notice]]) -> None:
    """Add a notice provider (features call this from their init_app)."""
    _PROVIDERS[key] = provider


def notices() -> list[Notice]:
    """The notices of every provider for the current tenant, in registration order."""
    return [notice for provider in _PROVIDERS.values() for notice in provider()]
