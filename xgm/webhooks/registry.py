"""Which functions handle which city event, registered by the features that care."""

from collections.abc import Callable
from typing import Any

Handler = Callable[[dict[str, Any]], Callable[[], None] | None]

_HANDLERS: dict[str, list[Handler]] = {}


def register_handler(event_name: str, fn: Handler) -> None:
    """Run fn(event) for every new event of this name (registering the same fn twice is a no-op)."""
    handlers = _HANDLERS.setdefault(event_name, [])
    if fn not in handlers:
        handlers.append(fn)


def handlers_for(event_name: str) -> list[Handler]:
    """The handlers registered for an event name, in registration order."""
    return list(_HANDLERS.get(event_name, ()))
