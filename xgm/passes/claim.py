"""One scan at a time per (gate, rider): a double tap never makes two arrivals.

A rider's phone can load the gate page twice at once (a double tap, a browser that reopens the
page, a flaky network retrying). Both requests would find no recent arrival and insert one
each, and the guard would see the rider twice. So the scan that records the arrival first
claims `xgm:scan:claim:<gate token>:<rider code>` in Redis (SET NX with a short expiry, sent in
the scan's one pipelined round trip, see scanning.prefetch); a concurrent scan of the same
rider at the same gate waits until the claim is released, then finds the first scan's arrival
and shows that one (the reuse rule of record_scan).

The claim only ever delays a scan, never refuses one: it lapses after CLAIM_MS even if its
holder died, and without Redis scans go ahead unclaimed (as before).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator

import redis
from redis.commands.core import Script

from xgm.queues import get_redis

CLAIM_PREFIX = "xgm:scan:claim:"
#: A claim lapses after this long (longer than a scan takes, short enough for a dead holder).
CLAIM_MS = 3000
#: How often a waiting scan tries to take the claim.
POLL_SECONDS = 0.02

#: Release only our own claim (it may have lapsed and been taken by another scan).
_RELEASE = Script(
    None,
    b"if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
)


def claim_key(token: str, rider_code: str) -> str:
    return f"{CLAIM_PREFIX}{token}:{rider_code}"


def new_claim_value() -> str:
    """A value that says which scan holds a claim."""
    return secrets.token_hex(8)


def queue_claim(pipe, token: str, rider_code: str, value: str) -> None:
    """Queue the attempt to claim on a Redis pipeline (its reply: True when taken)."""
    pipe.set(claim_key(token, rider_code), value, nx=True, px=CLAIM_MS)


def _take(client, key: str, value: str) -> bool:
    """Wait until the claim is free and take it; False when it could not be had in time."""
    deadline = time.monotonic() + CLAIM_MS / 1000
    while time.monotonic() < deadline:
        try:
            if client.set(key, value, nx=True, px=CLAIM_MS):
                return True
        except redis.RedisError:
            return False
        time.sleep(POLL_SECONDS)
    return False


@contextlib.contextmanager
def one_scan_at_a_time(token: str, rider_code: str | None, value: str, reply) -> Iterator[None]:
    """Hold this rider's claim at this gate while the scan records its arrival.

    `reply`: what queue_claim's command answered (True: taken; None: another scan holds it;
    anything else, an exception or False: Redis did not answer, go ahead unclaimed).
    """
    if reply is not True and reply is not None:  # no claim asked for, or Redis did not answer
        yield
        return
    client = get_redis()
    key = claim_key(token, rider_code)
    held = reply is True
    if not held:  # another scan of this rider at this gate is recording: wait for it
        held = _take(client, key, value)
    try:
        yield
    finally:
        if held:
            with contextlib.suppress(redis.RedisError):
                _RELEASE(keys=[key], args=[value], client=client)
