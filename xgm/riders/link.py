"""The city link state: does the city platform answer? One answer shared by every web process.

One Redis key holds the last verdict on the link, written by every call to the city that
failed (5xx, timeout, connection refused) and by calls that succeeded:

    xgm:city:link    {"down": bool, "since": <unix s of the last flip>, "at": <unix s of the
                     last verdict>, "reason": "..."}, expiring XGM_CITY_LINK_TTL s (60) after
                     the last verdict that refreshed it. Absent: not known (the next call finds out).

A failure writes at once (every process then sees the outage within XGM_CITY_LINK_CACHE s);
a success writes when the link was down or not known, and otherwise at most every TTL / 3 s,
so a lookup that succeeds costs no Redis write. Each process keeps what it read for
XGM_CITY_LINK_CACHE s (1), so the scan path reads the state without a Redis round trip.

While down, the city is tried again at most every XGM_CITY_RECHECK s (2) across the whole
fleet (a short Redis claim picks who): that call is a rider lookup of a scan, a sign-in's
check, or the probe of an open guard console. Everyone else takes the offline path at once.
The guard consoles show the state within a second or two of each change
(xgm.guardphone.stream_events).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass

import redis
from flask import current_app

from xgm.city import CityError, UnknownRider, client_from_config
from xgm.queues import get_redis

log = logging.getLogger(__name__)

LINK_KEY = "xgm:city:link"
CLAIM_KEY = "xgm:city:link:recheck"
#: A rider code the city cannot know: its lookup answers 404 when the link works.
PROBE_RIDER_CODE = "XGM000000000000"

#: Write the verdict, keeping `since` when the state did not flip; 1 when it flipped.
_RECORD = """
local old = redis.call('GET', KEYS[1])
local since = ARGV[2]
local flipped = 1
if old then
  local prev = cjson.decode(old)
  if (prev['down'] and 1 or 0) == tonumber(ARGV[1]) then since = prev['since']; flipped = 0 end
end
local value = cjson.encode({down = ARGV[1] == '1', since = tonumber(since),
                            at = tonumber(ARGV[2]), reason = ARGV[3]})
redis.call('SET', KEYS[1], value, 'EX', ARGV[4])
return flipped
"""


@dataclass(frozen=True)
class LinkState:
    """The last verdict on the city link (known=False: nobody asked the city lately)."""

    known: bool = False
    down: bool = False
    since: float = 0.0
    at: float = 0.0
    reason: str = ""

    @classmethod
    def from_raw(cls, raw: bytes | None) -> LinkState:
        """Decode the Redis value (garbage or absence: not known)."""
        if not raw:
            return cls()
        try:
            data = json.loads(raw)
            return cls(
                True,
                bool(data["down"]),
                float(data.get("since") or 0),
                float(data.get("at") or 0),
                str(data.get("reason") or ""),
            )
        except (TypeError, ValueError, KeyError):
            return cls()


class _Cached:
    """This process's copy of the state, read at most every XGM_CITY_LINK_CACHE seconds."""

    def __init__(self) -> None:
        self.state = LinkState()
        self.read_at = -1e9
        #: While down: no claim to retry is attempted from this process before this (monotonic).
        self.next_try = -1e9
        self.lock = threading.Lock()


def _cached() -> _Cached:
    ext = current_app.extensions
    cached = ext.get("xgm_city_link")
    if cached is None:
        cached = ext.setdefault("xgm_city_link", _Cached())
    return cached


def _setting(name: str, default: float, config=None) -> float:
    value = (current_app.config if config is None else config).get(name)
    return float(default if value is None or value == "" else value)


def cached_link_up(app) -> bool:
    """True when this process's copy of the link state is fresh and says up: no app context
    needed. The fast path of every open guard stream's once-a-second look (many streams per
    process, one Redis read a second between them); anything else goes through watch_city()."""
    cached = app.extensions.get("xgm_city_link")
    if cached is None:
        return False
    with cached.lock:
        state, read_at = cached.state, cached.read_at
    ttl = _setting("XGM_CITY_LINK_CACHE", 1.0, app.config)
    return not state.down and time.monotonic() - read_at < ttl


def link_state(fresh: bool = False) -> LinkState:
    """The city link state as this process last read it (within XGM_CITY_LINK_CACHE s)."""
    cached = _cached()
    now = time.monotonic()
    if fresh or now - cached.read_at >= _setting("XGM_CITY_LINK_CACHE", 1.0):
        try:
            state = LinkState.from_raw(get_redis().get(LINK_KEY))
        except redis.RedisError:
            state = cached.state  # keep the last word rather than guess
        with cached.lock:
            cached.state, cached.read_at = state, now
    return cached.state


def city_link_down() -> bool:
    """True while the last verdict on the city link is a failure."""
    return link_state().down


def _record(down: bool, reason: str) -> None:
    now = time.time()
    ttl = max(1, int(_setting("XGM_CITY_LINK_TTL", 60)))
    try:
        flipped = get_redis().eval(
            _RECORD, 1, LINK_KEY, "1" if down else "0", repr(now), reason[:200], ttl
        )
    except redis.RedisError:
        log.warning("could not record the city link as %s", "down" if down else "up")
        return
    if flipped:
        log.warning("city link %s%s", "down: " if down else "up", reason[:200] if down else "")
    cached = _cached()
    with cached.lock:
        old = cached.state
        since = old.since if old.known and old.down == down else now
        cached.state = LinkState(True, down, since, now, reason[:200])
        cached.read_at = time.monotonic()


def record_failure(reason: str) -> None:
    """A call to the city failed: the link is down (every process sees it within a second)."""
    _record(True, reason or "unavailable")


def record_success() -> None:
    """The city answered: the link is up (written only when that is news, or to refresh it)."""
    state = link_state()
    refresh = max(1.0, _setting("XGM_CITY_LINK_TTL", 60) / 3)
    if state.known and not state.down and time.time() - state.at < refresh:
        return
    _record(False, "")


def may_try_city() -> bool:
    """Whether a caller should call the city now: yes unless the link is down and it is not
    this caller's turn to try again (one caller per XGM_CITY_RECHECK s, fleet-wide)."""
    state = link_state()
    if not state.down:
        return True
    recheck = max(0.2, _setting("XGM_CITY_RECHECK", 2.0))
    cached = _cached()
    if time.time() - state.at < recheck or time.monotonic() < cached.next_try:
        return False
    try:
        claimed = get_redis().set(CLAIM_KEY, "1", nx=True, px=int(recheck * 1000))
    except redis.RedisError:
        return False
    if not claimed:  # another caller tries now; this process waits for its verdict
        cached.next_try = time.monotonic() + min(recheck, 1.0)
        return False
    state = link_state(fresh=True)  # someone may have tried just before the claim expired
    return not state.down or time.time() - state.at >= recheck


def _probe_client():
    """A client of its own with short timeouts: a probe must not hold a console for long."""
    ext = current_app.extensions
    client = ext.get("xgm_city_probe_client")
    if client is None:
        client = client_from_config(current_app.config)
        client.timeout = (1.0, 2.0)
        client = ext.setdefault("xgm_city_probe_client", client)
    return client


def probe_city() -> bool:
    """Ask the city something cheap now and record the verdict; True when it answered."""
    try:
        _probe_client().get_rider(PROBE_RIDER_CODE)
    except UnknownRider:
        pass
    except CityError as exc:
        record_failure(str(exc))
        return False
    record_success()
    return True


def signin_reachable() -> bool:
    """Whether to send a rider's browser to the city's sign-in page now (else: manual form).

    The link down: only when it is our turn to try again and the city answers. Otherwise the
    sign-in page is loaded once as the browser would (a failure marks the link down; a success
    says nothing of the API, so it is not recorded).
    """
    from xgm.riders.city import city_client

    if link_state().down:
        return may_try_city() and probe_city()
    try:
        city_client().check_signin_page()
    except CityError as exc:
        record_failure(str(exc))
        return False
    return True


def city_answers(max_age: float | None = None) -> bool:
    """Whether the city can be relied on right now (the manual form checks it is still down).

    The link down and not our turn to retry: no. Up, with a verdict younger than `max_age`
    (XGM_CITY_RECHECK): yes. Otherwise one cheap call to the city decides.
    """
    state = link_state()
    if state.down:
        return may_try_city() and probe_city()
    if max_age is None:
        max_age = _setting("XGM_CITY_RECHECK", 2.0)
    if state.known and time.time() - state.at < max_age:
        return True
    return probe_city()


def watch_city() -> bool:
    """For an open guard console: the link state, re-checked with a probe when it is our turn
    while down (so the banner clears soon after the city answers again). True when down."""
    if city_link_down() and may_try_city():
        probe_city()
    return city_link_down()
