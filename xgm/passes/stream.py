"""The guard console's Server-Sent Events: live arrival cards of one compound (or gate).

Each open stream is a generator fed by the process's Hub. Events carry `id:` (the Redis
stream entry id), so a reconnecting EventSource sends Last-Event-ID and gets exactly what it
missed (or an `event: reset` asking it to reload the list when too much was missed).
Comments (`: hb`) keep proxies and phones from dropping an idle connection; at each heartbeat
the guard's session is checked again, so a handover or revocation ends the stream too.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from xgm.passes.feed import FeedEvent, id_tuple, latest_id, replay
from xgm.passes.hub import GAP, Hub

EVENT_ID_RE = re.compile(r"^\d{1,20}-\d{1,20}$")


def valid_event_id(value: str | None) -> str | None:
    """A Last-Event-ID that looks like a Redis stream id, else None."""
    if value and EVENT_ID_RE.match(value.strip()):
        return value.strip()
    return None


def sse(data: str, event_id: str | None = None, event: str | None = None) -> str:
    """One SSE message."""
    lines = []
    if event:
        lines.append(f"event: {event}")
    if event_id:
        lines.append(f"id: {event_id}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return "\n".join(lines) + "\n\n"


@dataclass
class StreamSpec:
    """What one guard stream listens to and how it checks it may go on."""

    redis: object
    hub: Hub
    channel: str
    feed_key: str
    gate_id: int | None
    last_id: str | None
    heartbeat: float
    max_seconds: float
    still_allowed: Callable[[], bool]
    city_down: Callable[[], bool]


def events(spec: StreamSpec) -> Iterator[str]:
    """Yield the SSE text of one guard stream until it ends (lifetime, sign-out, client gone)."""
    sub = spec.hub.subscribe(spec.channel)
    try:
        # Subscribed first, then the starting point: nothing published in between is lost.
        last = spec.last_id or latest_id(spec.redis, spec.feed_key)
        yield "retry: 3000\n\n"
        city = spec.city_down()
        yield sse(json.dumps({"down": city}), event="city")
        if spec.last_id is not None:
            caught_up, last = _catch_up(spec, last)
            yield from caught_up
        deadline = time.monotonic() + spec.max_seconds
        while time.monotonic() < deadline:
            item = sub.get(timeout=spec.heartbeat)
            if item is None:
                if not spec.still_allowed():
                    yield sse("{}", event="signed-out")
                    return
                now_down = spec.city_down()
                if now_down != city:
                    city = now_down
                    yield sse(json.dumps({"down": city}), event="city")
                else:
                    yield ": hb\n\n"
                continue
            if item is GAP or sub.lagging:
                sub.lagging = False
                caught_up, last = _catch_up(spec, last)
                yield from caught_up
                continue
            if id_tuple(item.event_id) <= id_tuple(last):
                continue  # already sent while catching up
            last = item.event_id
            if _visible(spec, item):
                yield sse(item.data, event_id=item.event_id)
    finally:
        spec.hub.unsubscribe(sub)


def _visible(spec: StreamSpec, event: FeedEvent) -> bool:
    """A gate-bound phone sees only its gate's arrivals."""
    return spec.gate_id is None or event.gate_id == spec.gate_id


def _catch_up(spec: StreamSpec, last: str) -> tuple[list[str], str]:
    """The messages after `last` from the feed, and the new last id (reset when too old)."""
    missed = replay(spec.redis, spec.feed_key, last)
    if missed is None:
        newest = latest_id(spec.redis, spec.feed_key)
        return [sse("{}", event_id=newest if newest != "0-0" else None, event="reset")], newest
    out = []
    for event in missed:
        last = event.event_id
        if _visible(spec, event):
            out.append(sse(event.data, event_id=event.event_id))
    return out, last
