"""One Redis subscriber per process, fanning arrival events out to every guard stream open in it.

The subscriber runs in a background thread (a greenlet under gunicorn's gevent workers, whose
monkey-patching makes the socket reads cooperative). Streams register a Subscription for their
compound's channel and read events from its queue. When the subscriber (re)connects, or a
stream's queue overflows, streams are told to catch up from the Redis stream (feed.replay),
so a lost pub/sub message is never a lost card.

The same connection also listens to one control channel (`signals`): a message there names the
tenants whose guard sessions may have ended (xgm.guards.recheck), and the hub puts RECHECK into
the inboxes of those tenants' streams. Redis delivers a connection's messages in publish order,
so a stream meets the RECHECK before any card published after the change that caused it.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import defaultdict

import redis

from xgm.guards.recheck import decode
from xgm.passes.feed import FeedEvent, parse_message

log = logging.getLogger(__name__)

#: Put into a subscription's queue when events may have been missed.
GAP = object()
#: Put into a subscription's queue when its guard session may have ended: check it now.
RECHECK = object()
QUEUE_SIZE = 256


class Subscription:
    """A stream's inbox for one channel."""

    def __init__(self, channel: str, tenant_id: int | None = None) -> None:
        self.channel = channel
        #: The tenant whose re-check signals reach this inbox (None: every signal).
        self.tenant_id = tenant_id
        self.inbox: queue.Queue = queue.Queue(maxsize=QUEUE_SIZE)
        #: Set when an event could not be queued; the stream must catch up from the feed.
        self.lagging = False

    def deliver(self, item) -> None:
        """Queue an event or GAP without ever blocking the subscriber."""
        try:
            self.inbox.put_nowait(item)
        except queue.Full:
            self.lagging = True

    def get(self, timeout: float) -> FeedEvent | object | None:
        """The next event, GAP, RECHECK, or None after `timeout` seconds of silence."""
        try:
            return self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None


class Hub:
    """The per-process subscriber: one pattern subscription, many subscriptions fanned out."""

    def __init__(self, url: str, pattern: str, signals: str | None = None) -> None:
        self.url = url
        self.pattern = pattern
        self.signals = signals
        self._subs: dict[str, set[Subscription]] = defaultdict(set)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        #: Set once the pattern subscription is live (tests and benchmarks wait on it).
        self.ready = threading.Event()

    def subscribe(self, channel: str, tenant_id: int | None = None) -> Subscription:
        """Open an inbox for a channel (starting the subscriber thread if needed)."""
        sub = Subscription(channel, tenant_id)
        with self._lock:
            self._subs[channel].add(sub)
            if self._thread is None or not self._thread.is_alive():
                self._stopping.clear()
                self._thread = threading.Thread(target=self._run, name="xgm-hub", daemon=True)
                self._thread.start()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Close an inbox."""
        with self._lock:
            subs = self._subs.get(sub.channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.channel]

    def listeners(self) -> int:
        """How many inboxes are open in this process."""
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    def stop(self) -> None:
        """Stop the subscriber thread."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _fan_out(self, channel: str, item) -> None:
        with self._lock:
            targets = list(self._subs.get(channel, ()))
        for sub in targets:
            sub.deliver(item)

    def _recheck(self, tenant_ids: set[int] | None) -> None:
        with self._lock:
            targets = [
                s
                for subs in self._subs.values()
                for s in subs
                if tenant_ids is None or s.tenant_id is None or s.tenant_id in tenant_ids
            ]
        for sub in targets:
            sub.deliver(RECHECK)

    def _tell_everyone_to_catch_up(self) -> None:
        with self._lock:
            targets = [s for subs in self._subs.values() for s in subs]
        for sub in targets:
            sub.deliver(GAP)

    def _run(self) -> None:
        """Listen until stopped, reconnecting after Redis errors."""
        while not self._stopping.is_set():
            client = redis.Redis.from_url(
                self.url, socket_connect_timeout=2, socket_keepalive=True, health_check_interval=30
            )
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(self.pattern)
                if self.signals:
                    pubsub.subscribe(self.signals)
                for _ in range(2 if self.signals else 1):
                    pubsub.get_message(timeout=1.0)  # the subscribe confirmations
                self.ready.set()
                self._tell_everyone_to_catch_up()
                while not self._stopping.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message.get("type") == "message":
                        self._recheck(decode(message["data"]))
                        continue
                    if message.get("type") != "pmessage":
                        continue
                    channel = message["channel"]
                    channel = channel.decode() if isinstance(channel, bytes) else channel
                    event = parse_message(message["data"])
                    if event is not None:
                        self._fan_out(channel, event)
            except (redis.RedisError, OSError) as exc:
                self.ready.clear()
                log.warning("arrival hub lost Redis (%s); reconnecting", exc)
                time.sleep(1.0)
            finally:
                try:
                    pubsub.close()
                    client.close()
                except (redis.RedisError, OSError):
                    pass


_HUBS: dict[tuple[int, str, str, str | None], Hub] = {}
_HUBS_LOCK = threading.Lock()


def get_hub(url: str, pattern: str, signals: str | None = None) -> Hub:
    """This process's hub for a Redis URL (a forked child gets its own)."""
    key = (os.getpid(), url, pattern, signals)
    with _HUBS_LOCK:
        hub = _HUBS.get(key)
        if hub is None:
            hub = _HUBS[key] = Hub(url, pattern, signals)
        return hub
