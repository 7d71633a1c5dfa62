"""The guard phone's Server-Sent Events: live arrival cards of one compound (or gate).

Each open stream is a generator fed by the process's Hub. Events carry `id:` (the Redis
stream entry id), so a reconnecting EventSource sends Last-Event-ID and gets exactly what it
missed (or an `event: reset` asking it to reload the list when too much was missed).
Comments (`: hb`) keep proxies and phones from dropping an idle connection.

A stream ends as soon as its guard's session does, however busy the gate: the session is
checked again whenever the hub passes on a re-check signal (sent through Redis by whichever web
process committed the change, see xgm.guards.recheck), whenever the stream has to catch up
(its subscriber reconnected, so a signal may be lost), and at each heartbeat; the shift's end
is a deadline the stream knows from the start. Nothing is sent after any of these. The city
link state is looked at every second and sent as `event: city` when it changes.

Cards sent by the stream show riders' personal data, so the arrivals sent are handed to
`spec.shown` (the rider-data access log) in batches: every SHOWN_EVERY seconds while events
flow, at heartbeats, and when the stream ends.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from xgm.observability import metrics
from xgm.passes.feed import EVERY_GATE, FeedEvent, id_tuple, latest_id, replay
from xgm.passes.hub import GAP, RECHECK, Hub

EVENT_ID_RE = re.compile(r"^\d{1,20}-\d{1,20}$")
#: Arrivals sent are reported to spec.shown at most this often while events flow.
SHOWN_EVERY = 5.0

log = logging.getLogger(__name__)


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
    #: Called with the arrival cards (JSON dicts) sent since its last call.
    shown: Callable[[list[dict]], None] | None = None
    #: The tenant whose re-check signals this stream obeys (None: every signal).
    tenant_id: int | None = None
    #: Seconds until the guard's shift ends (the session is over then); None: no shift end.
    shift_left: float | None = None
    #: How often the city link state is asked (`event: city` goes out when it changes, so the
    #: console's banner follows within seconds; a per-process cached read, see riders.link).
    city_every: float = 1.0


class _Shown:
    """The cards a stream sent and has not reported to spec.shown yet."""

    def __init__(self, report: Callable[[list[dict]], None] | None) -> None:
        self.report = report
        self.cards: dict[int, dict] = {}
        #: Arrival ids already reported by this stream: each card is reported once.
        self.reported: set[int] = set()
        self.since = time.monotonic()

    def add(self, data: str) -> None:
        if self.report is None:
            return
        try:
            card = json.loads(data)
            arrival_id = int(card["id"])
        except (ValueError, TypeError, KeyError):
            return
        if arrival_id not in self.reported:
            self.cards[arrival_id] = card

    def flush(self, force: bool = False) -> None:
        if not self.cards or not (force or time.monotonic() - self.since >= SHOWN_EVERY):
            return
        cards, self.cards, self.since = list(self.cards.values()), {}, time.monotonic()
        if len(self.reported) > 10_000:
            self.reported.clear()
        self.reported.update(int(card["id"]) for card in cards)
        try:
            self.report(cards)
        except Exception:  # the log must never end a guard's stream
            log.exception("could not log the cards a guard stream showed")


def events(spec: StreamSpec) -> Iterator[str]:
    """Yield the SSE text of one guard stream until it ends (lifetime, sign-out, client gone)."""
    sub = spec.hub.subscribe(spec.channel, spec.tenant_id)
    shown = _Shown(spec.shown)
    started = time.monotonic()
    shift_end = started + spec.shift_left if spec.shift_left is not None else float("inf")
    deadline = min(started + spec.max_seconds, shift_end)
    signed_out = sse("{}", event="signed-out")
    metrics.guard_streams.inc()
    try:
        # Subscribed first, then the starting point: nothing published in between is lost.
        last = spec.last_id or latest_id(spec.redis, spec.feed_key)
        yield "retry: 3000\n\n"
        city = spec.city_down()
        yield sse(json.dumps({"down": city}), event="city")
        if spec.last_id is not None:
            caught_up, last = _catch_up(spec, last, shown)
            yield from caught_up
        next_beat = time.monotonic() + spec.heartbeat
        next_city = time.monotonic() + spec.city_every
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            if now >= next_city:
                next_city = now + spec.city_every
                now_down = spec.city_down()
                if now_down != city:
                    city = now_down
                    yield sse(json.dumps({"down": city}), event="city")
            if now >= next_beat:
                next_beat = now + spec.heartbeat
                shown.flush(force=True)
                if not spec.still_allowed():
                    yield signed_out
                    return
                yield ": hb\n\n"
            item = sub.get(timeout=max(0.01, min(next_beat, next_city, deadline) - now))
            if time.monotonic() >= shift_end:
                break  # whatever came in after the shift's end is not for this guard
            if item is None:
                continue
            if item is RECHECK:
                if not spec.still_allowed():
                    yield signed_out
                    return
                continue
            if item is GAP or sub.lagging:
                sub.lagging = False
                if not spec.still_allowed():  # a re-check signal may have been lost
                    yield signed_out
                    return
                caught_up, last = _catch_up(spec, last, shown)
                yield from caught_up
                continue
            if id_tuple(item.event_id) <= id_tuple(last):
                continue  # already sent while catching up
            last = item.event_id
            if _visible(spec, item):
                yield sse(item.data, event_id=item.event_id)
                shown.add(item.data)
                shown.flush()
        if time.monotonic() >= shift_end:
            yield signed_out
    finally:
        metrics.guard_streams.dec()
        spec.hub.unsubscribe(sub)
        shown.flush(force=True)


def _visible(spec: StreamSpec, event: FeedEvent) -> bool:
    """A gate-bound phone sees its gate's arrivals, and the compound's unattended ones."""
    return spec.gate_id is None or event.gate_id in (spec.gate_id, EVERY_GATE)


def _catch_up(spec: StreamSpec, last: str, shown: _Shown) -> tuple[list[str], str]:
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
            shown.add(event.data)
    return out, last
