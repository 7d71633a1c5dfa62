"""Where riders' personal data lives, as the features holding it register it with privacy.

privacy sits below the features that keep rider data (passes, complaints, exports), so it
never imports their models. Each registers from its init_app a purge for the daily retention
job (`register_purge`) and, where a rider's deletion request reaches its rows, an eraser
(`register_eraser`). Both run inside the tenant's context and leave the commit to the caller.
"""

from collections.abc import Callable
from datetime import datetime

#: (cutoff, now) -> {what: rows changed}: blank or delete what is older than the retention
#: cutoff (or, for rows kept a fixed time, than their own limit from `now`).
Purge = Callable[[datetime, datetime], dict[str, int]]
#: rider_code -> {what: rows changed}: remove what identifies this rider.
Eraser = Callable[[str], dict[str, int]]

#: By name, in the order first registered (the features' init_app order): the counts of a
#: run are reported in that order.
_PURGES: dict[str, Purge] = {}
_ERASERS: dict[str, Eraser] = {}


def register_purge(name: str, purge: Purge) -> None:
    """Let the retention job run `purge` for every tenant (again under the same name: replaced)."""
    _PURGES[name] = purge


def register_eraser(name: str, eraser: Eraser) -> None:
    """Let a granted deletion request run `eraser` on the rider's code."""
    _ERASERS[name] = eraser


def run_purges(cutoff: datetime, now: datetime) -> dict[str, int]:
    """Every registered purge, for the current tenant; what each changed, in one dict."""
    counts: dict[str, int] = {}
    for purge in _PURGES.values():
        counts.update(purge(cutoff, now))
    return counts


def run_erasers(rider_code: str) -> dict[str, int]:
    """Every registered eraser, for the current tenant; what each changed, in one dict."""
    counts: dict[str, int] = {}
    for eraser in _ERASERS.values():
        counts.update(eraser(rider_code))
    return counts
