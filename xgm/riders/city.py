"""The app's link to the city platform: one client per app and the rider status cache.

Cards are cached in Redis for at most XGM_RIDER_CACHE_TTL seconds (60), keyed by rider code and
shared by every tenant; a `rider.status_changed` webhook drops them at once (forget_rider). A
per-rider generation counter stops a lookup that started before the webhook from writing the
stale card back. The last card the city confirmed as admissible is kept for 24 hours: it is what
admits a rider offline (离线核验) while the city platform is down.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from flask import current_app

from chinatime import CN_TZ, today_in_china
from xgm.city import CityClient, CityError, RiderCard, UnknownRider, client_from_config
from xgm.queues import get_redis
from xgm.riders.link import may_try_city, record_failure, record_success

log = logging.getLogger(__name__)

CARD_KEY = "xgm:rider:card:"
CONFIRMED_KEY = "xgm:rider:confirmed:"
GEN_KEY = "xgm:rider:gen:"

#: SET the card only while the rider's generation is still the one read before the lookup.
_STORE_IF_CURRENT = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3])
if ARGV[4] ~= '' then redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[5]) end
return 1
"""


def to_cn_iso(moment: datetime | None) -> str | None:
    """ISO 8601 with the +08:00 offset for a naive-UTC timestamp, as the contract writes times."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(CN_TZ).isoformat(timespec="seconds")


@dataclass(frozen=True)
class RiderCheck:
    """What we know of a rider right now and where it came from.

    source: "city" (asked just now), "cache" (asked within the cache TTL), "offline" (the city
    is down; the card is the last one it confirmed within 24 h), "unknown" (the city does not
    know the code), "down" (the city is down and nothing recent vouches for the rider).
    """

    source: str
    card: RiderCard | None = None

    @property
    def offline(self) -> bool:
        """True when the verdict rests on the last confirmation, not on the city's answer."""
        return self.source == "offline"


def city_client() -> CityClient:
    """The app's CityClient (one per app and process, with pooled connections)."""
    ext = current_app.extensions
    client = ext.get("xgm_city_client")
    if client is None:
        client = ext["xgm_city_client"] = client_from_config(current_app.config)
    return client


def _setting(name: str, default: float) -> float:
    return float(current_app.config.get(name) or default)


def _load_card(raw: bytes | None) -> RiderCard | None:
    if not raw:
        return None
    try:
        return RiderCard.from_dict(json.loads(raw))
    except (TypeError, ValueError, KeyError):
        return None


def queue_card_read(pipe, rider_code: str) -> None:
    """Queue the cache read of a rider's card on a Redis pipeline; give its reply to
    lookup_rider."""
    pipe.mget(CARD_KEY + rider_code, GEN_KEY + rider_code)


def lookup_rider(rider_code: str, reply=None) -> RiderCheck:
    """Return the rider's card: cached (<= 60 s), else asked of the city, else the offline record
    (the city failed now, or is known down: see riders.link).

    `reply`: what the command of queue_card_read() answered (an exception if it failed);
    without it the cache is read now.
    """
    r = get_redis()
    try:
        if reply is None:
            reply = r.mget(CARD_KEY + rider_code, GEN_KEY + rider_code)
        if isinstance(reply, Exception):
            raise reply
        cached, generation = reply
    except redis.RedisError:
        log.warning("rider cache unavailable; asking the city directly")
        cached, generation = None, None
    card = _load_card(cached)
    if card is not None:
        return RiderCheck("cache", card)
    if not may_try_city():  # the city is down and someone else is checking whether it is back
        return _offline(rider_code)
    try:
        card = city_client().get_rider(rider_code)
    except UnknownRider:
        record_success()
        return RiderCheck("unknown")
    except CityError as exc:
        log.warning("city lookup of %s failed: %s", rider_code, exc)
        record_failure(str(exc))
        return _offline(rider_code)
    record_success()
    _store(rider_code, card, (generation or b"0").decode())
    return RiderCheck("city", card)


def _store(rider_code: str, card: RiderCard, generation: str) -> None:
    """Cache the card unless a webhook changed the rider since the lookup began."""
    body = json.dumps(card.to_dict(), ensure_ascii=False)
    confirmed = body if card.is_admissible(today_in_china()) else ""
    try:
        get_redis().eval(
            _STORE_IF_CURRENT,
            3,
            GEN_KEY + rider_code,
            CARD_KEY + rider_code,
            CONFIRMED_KEY + rider_code,
            generation,
            body,
            int(_setting("XGM_RIDER_CACHE_TTL", 60)),
            confirmed,
            int(_setting("XGM_OFFLINE_GRACE", 24 * 3600)),
        )
    except redis.RedisError:
        log.warning("could not cache the card of %s", rider_code)


def _offline(rider_code: str) -> RiderCheck:
    """The city is down: the last admissible card confirmed within 24 h, if any."""
    try:
        card = _load_card(get_redis().get(CONFIRMED_KEY + rider_code))
    except redis.RedisError:
        card = None
    if card is None:
        return RiderCheck("down")
    return RiderCheck("offline", card)


def forget_rider(rider_code: str, status: str) -> None:
    """Drop the cached card now; drop the offline confirmation too unless the rider is active."""
    r = get_redis()
    pipe = r.pipeline(transaction=True)
    pipe.incr(GEN_KEY + rider_code)
    pipe.expire(GEN_KEY + rider_code, 24 * 3600)
    pipe.delete(CARD_KEY + rider_code)
    if status != "active":
        pipe.delete(CONFIRMED_KEY + rider_code)
    pipe.execute()
