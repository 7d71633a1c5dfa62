"""The alerts sweep: lost deliveries re-enqueued, lasting conditions (offline) looked at."""

from collections.abc import Callable

SWEEP = "alerts-sweep"

#: Watchers features register (gate agents offline, phones offline): each looks at every
#: tenant and calls xgm.alerts.watch.observe per condition; returns how many it raised.
_WATCHERS: dict[str, Callable[[], int]] = {}


def register_watcher(name: str, fn: Callable[[], int]) -> None:
    """Run fn() on every alerts sweep (features call this from their init_app)."""
    _WATCHERS[name] = fn


def sweep_job() -> int:
    """Periodic run: schedule the next, re-enqueue lost deliveries, run the watchers."""
    from xgm.alerts.delivery import sweep_deliveries
    from xgm.queues.periodic import schedule_next

    schedule_next(SWEEP)
    count = sweep_deliveries()
    for fn in _WATCHERS.values():
        count += fn()
    return count
