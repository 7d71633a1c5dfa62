"""The live feed of arrivals per compound: JSON shape, publish (Redis stream + pub/sub), replay.

Every change of an arrival is appended to a capped Redis stream per (tenant, compound), whose
entry id becomes the SSE `id:`, and published on that compound's channel in the same Lua call,
so a guard phone that reconnects with Last-Event-ID replays exactly what it missed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import redis
from redis.commands.core import Script

from xgm.passes.models import Arrival
from xgm.privacy.masking import mask_phone
from xgm.queues import get_redis
from xgm.riders.city import to_cn_iso

log = logging.getLogger(__name__)

#: Entries kept per compound stream (far more than 10 minutes of arrivals at any gate).
FEED_LENGTH = 1000
#: An idle compound's stream is dropped after a day.
FEED_TTL = 24 * 3600

#: Sent by its SHA (EVALSHA), loaded into Redis on first use.
_PUBLISH = Script(
    None,
    b"""
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], '*', 'g', ARGV[2], 'd', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', KEYS[2], id .. ' ' .. ARGV[2] .. ' ' .. ARGV[1])
return id
""",
)


def arrival_json(arrival: Arrival) -> dict:
    """The arrival as the guard console (and its contract) sees it."""
    return {
        "id": arrival.id,
        "gate": {"id": arrival.gate_id, "name": arrival.gate_name},
        "compound": {"id": arrival.compound_id, "name": arrival.compound_name},
        "rider": {
            "rider_code": arrival.rider_code,
            "name": arrival.rider_name,
            "phone": mask_phone(arrival.rider_phone),  # the full number: POST .../phone (logged)
            "photo_url": arrival.photo_url,
            "platform": arrival.platform_name,
            "platform_code": arrival.platform_code,
            "station": arrival.station,
            "team": arrival.team,
            "supervision_phone": arrival.supervision_phone,
            "status": arrival.rider_status,
        },
        "created_at": to_cn_iso(arrival.created_at),
        "outcome": arrival.outcome,
        "decided_at": to_cn_iso(arrival.decided_at),
        "decided_by": arrival.decided_by_name,
        "refusal": arrival.refusal,
        "reason": arrival.reason,
        "blocked_until": to_cn_iso(arrival.blocked_until),
        "offline": arrival.offline,
        "manual": arrival.manual,
        "unattended": arrival.unattended_at is not None,
        # The physical gate (issue 16): how the rider came, 自动放行, the barrier, the stay.
        "source": arrival.source,
        "auto": arrival.auto,
        "barrier": {"status": arrival.barrier, "answer": arrival.barrier_answer},
        "left_at": to_cn_iso(arrival.left_at),
        "left_via": arrival.left_via,
        "overstay": arrival.overstay_at is not None and arrival.left_at is None,
    }


#: The gate field of a feed entry that every phone of the compound receives, whatever its gate.
EVERY_GATE = 0


def feed_gate(arrival: Arrival) -> int:
    """The gate a feed entry is for: EVERY_GATE once nobody at its own gate attended to it."""
    return EVERY_GATE if arrival.unattended_at is not None else arrival.gate_id


def _prefix(client: redis.Redis) -> str:
    # Pub/sub channels are shared by every Redis database: keep apps on other databases apart.
    return f"xgm:{client.connection_pool.connection_kwargs.get('db', 0)}:"


def feed_key(client: redis.Redis, tenant_id: int, compound_id: int) -> str:
    """The Redis stream holding a compound's recent arrival events."""
    return f"{_prefix(client)}feed:{tenant_id}:{compound_id}"


def channel(client: redis.Redis, tenant_id: int, compound_id: int) -> str:
    """The pub/sub channel of a compound's live events."""
    return f"{_prefix(client)}live:{tenant_id}:{compound_id}"


def channel_pattern(client: redis.Redis) -> str:
    """The pattern the per-process subscriber listens on."""
    return f"{_prefix(client)}live:*"


def publish(arrival: Arrival) -> str | None:
    """Push the arrival's current state to the guard phones (call after commit); the event id."""
    client = get_redis()
    body = json.dumps(arrival_json(arrival), ensure_ascii=False, separators=(",", ":"))
    try:
        event_id = _PUBLISH(
            keys=[
                feed_key(client, arrival.tenant_id, arrival.compound_id),
                channel(client, arrival.tenant_id, arrival.compound_id),
            ],
            args=[body, str(feed_gate(arrival)), FEED_LENGTH, FEED_TTL],
            client=client,
        )
    except redis.RedisError:
        # The row is committed: consoles see it on their next list refresh or poll.
        log.exception("could not push arrival %s to the guard phones", arrival.id)
        return None
    return event_id.decode() if isinstance(event_id, bytes) else str(event_id)


@dataclass(frozen=True)
class FeedEvent:
    """One entry of a compound's feed: stream id, gate id and the arrival JSON text."""

    event_id: str
    gate_id: int
    data: str


def parse_message(raw: bytes | str) -> FeedEvent | None:
    """Decode a pub/sub message "<id> <gate_id> <json>"."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    parts = text.split(" ", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    return FeedEvent(parts[0], int(parts[1]), parts[2])


def id_tuple(event_id: str) -> tuple[int, int]:
    """A stream id "ms-seq" as a comparable pair; malformed ids sort first."""
    ms, _, seq = event_id.partition("-")
    try:
        return int(ms), int(seq or 0)
    except ValueError:
        return (0, 0)


def latest_id(client: redis.Redis, key: str) -> str:
    """The id of the newest entry of a feed ("0-0" when empty)."""
    entries = client.xrevrange(key, "+", "-", count=1)
    if not entries:
        return "0-0"
    entry_id = entries[0][0]
    return entry_id.decode() if isinstance(entry_id, bytes) else entry_id


def replay(client: redis.Redis, key: str, after: str, limit: int = 500) -> list[FeedEvent] | None:
    """The feed's events after `after`; None when some of them were trimmed (start over)."""
    if after != "0-0":
        try:
            info = client.xinfo_stream(key)
        except redis.ResponseError:
            return None  # the stream expired: what the client missed is gone
        deleted = info.get("max-deleted-entry-id") or b"0-0"
        deleted = deleted.decode() if isinstance(deleted, bytes) else deleted
        if id_tuple(deleted) > id_tuple(after):
            return None
    entries = client.xrange(key, f"({after}" if after != "0-0" else "-", "+", count=limit + 1)
    if len(entries) > limit:
        return None
    events = []
    for entry_id, fields in entries:
        gate = fields.get(b"g") or b"0"
        events.append(
            FeedEvent(
                entry_id.decode() if isinstance(entry_id, bytes) else entry_id,
                int(gate),
                (fields.get(b"d") or b"{}").decode("utf-8"),
            )
        )
    return events
