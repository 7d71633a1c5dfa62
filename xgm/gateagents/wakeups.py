"""Waking an agent's long poll in whichever web process holds it: Redis pub/sub per gate.

The database is the truth about commands; Redis only says "look again". A new command (or a
revocation) publishes on its gate's channel; each web process runs one subscriber thread (a
greenlet under gunicorn's gevent workers) on the pattern of every gate, and sets the events
of the polls waiting on that gate. When the subscriber (re)connects it wakes every poll, so a
message lost while it was away costs one extra query, never a command. While Redis is
unreachable the polls look at the database every second instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import defaultdict

import redis
from flask import current_app

from xgm.queues import get_redis

log = logging.getLogger(__name__)

#: While the subscriber is not connected, a waiting poll looks at the database this often.
FALLBACK_RECHECK = 1.0


def _prefix(client: redis.Redis) -> str:
    # Pub/sub channels are shared by every Redis database: keep apps on other databases apart.
    return f"xgm:{client.connection_pool.connection_kwargs.get('db', 0)}:gate-agent:"


def gate_channel(client: redis.Redis, tenant_id: int, gate_id: int) -> str:
    """The pub/sub channel that wakes the polls of one gate's agents."""
    return f"{_prefix(client)}{tenant_id}:{gate_id}"


def wake_gate(tenant_id: int, gate_id: int) -> bool:
    """Tell every web process to look again at this gate's commands; False if Redis failed."""
    client = get_redis()
    try:
        client.publish(gate_channel(client, tenant_id, gate_id), b"1")
    except (redis.RedisError, OSError) as exc:
        log.warning(
            "could not wake gate %s agents (%s); they look again within a poll", gate_id, exc
        )
        return False
    return True


class Waiter:
    """One waiting poll's alarm clock."""

    def __init__(self, channel: str, hub: Wakeups) -> None:
        self.channel = channel
        self.hub = hub
        self._event = threading.Event()

    def set(self) -> None:
        """Wake the poll."""
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Sleep until woken or `timeout` (shorter while the subscriber is down); clears the alarm."""
        if not self.hub.ready.is_set():
            timeout = min(timeout, FALLBACK_RECHECK)
        woken = self._event.wait(max(0.0, timeout))
        self._event.clear()
        return woken


class Wakeups:
    """The per-process subscriber: one pattern subscription, many waiters."""

    def __init__(self, url: str, pattern: str) -> None:
        self.url = url
        self.pattern = pattern
        self._waiters: dict[str, set[Waiter]] = defaultdict(set)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        #: Set while the pattern subscription is live.
        self.ready = threading.Event()

    def waiter(self, channel: str) -> Waiter:
        """Register a waiting poll on a gate's channel (starting the subscriber if needed)."""
        waiter = Waiter(channel, self)
        with self._lock:
            self._waiters[channel].add(waiter)
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._thread = threading.Thread(
                    target=self._run, name="xgm-gate-agent-wakeups", daemon=True
                )
                self._thread.start()
        return waiter

    def remove(self, waiter: Waiter) -> None:
        """Forget a poll that ended."""
        with self._lock:
            waiters = self._waiters.get(waiter.channel)
            if waiters is not None:
                waiters.discard(waiter)
                if not waiters:
                    del self._waiters[waiter.channel]

    def waiting(self) -> int:
        """How many polls wait in this process."""
        with self._lock:
            return sum(len(w) for w in self._waiters.values())

    def stop(self) -> None:
        """Stop the subscriber thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _wake(self, channel: str | None) -> None:
        with self._lock:
            if channel is None:
                targets = [w for waiters in self._waiters.values() for w in waiters]
            else:
                targets = list(self._waiters.get(channel, ()))
        for waiter in targets:
            waiter.set()

    def _run(self) -> None:
        """Listen until stopped, reconnecting after Redis errors."""
        while not self._stopping.is_set():
            client = redis.Redis.from_url(
                self.url, socket_connect_timeout=2, socket_keepalive=True, health_check_interval=30
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(self.pattern)
                pubsub.get_message(timeout=1.0)  # the subscribe confirmation
                self.ready.set()
                self._wake(None)  # anything published while we were away: look again
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None or message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    self._wake(channel.decode() if isinstance(channel, bytes) else channel)
            except (redis.RedisError, OSError) as exc:
                self.ready.clear()
                log.warning("gate agent wake-ups lost Redis (%s); reconnecting", exc)
                time.sleep(1.0)
            finally:
                try:
                    pubsub.close()
                    client.close()
                except (redis.RedisError, OSError):
                    pass


_HUBS: dict[tuple[int, str, str], Wakeups] = {}
_HUBS_LOCK = threading.Lock()


def get_wakeups() -> Wakeups:
    """This process's subscriber for the app's Redis (a forked child gets its own)."""
    client = get_redis()
    url, pattern = current_app.config["REDIS_URL"], _prefix(client) + "*"
    key = (os.getpid(), url, pattern)
    with _HUBS_LOCK:
        hub = _HUBS.get(key)
        if hub is None:
            hub = _HUBS[key] = Wakeups(url, pattern)
        return hub
