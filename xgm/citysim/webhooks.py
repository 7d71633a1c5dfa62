"""Signed webhook deliveries to xgm, retried with exponential backoff by one thread."""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from xgm.city.signing import signed_headers
from xgm.citysim.state import now_cn

log = logging.getLogger(__name__)


@dataclass
class Delivery:
    """One delivery of one event (a resend is a new delivery of the same event)."""

    delivery_id: str
    event: dict[str, Any]
    state: str = "pending"  # pending, delivered, failed, held
    attempts: int = 0
    last_status: int | str | None = None
    created_at: str = field(default_factory=lambda: now_cn().isoformat())
    last_attempt_at: str | None = None
    next_attempt_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the delivery for the control API."""
        return {
            "delivery_id": self.delivery_id,
            "event_id": self.event["event_id"],
            "event": self.event["event"],
            "payload": self.event,
            "state": self.state,
            "attempts": self.attempts,
            "last_status": self.last_status,
            "created_at": self.created_at,
            "last_attempt_at": self.last_attempt_at,
        }


class WebhookDispatcher:
    """Queues events and POSTs them, signed, to `<public_url>/hooks/city` until 2xx."""

    def __init__(
        self,
        public_url: str,
        client_id: str,
        secret: str,
        *,
        enabled: bool = True,
        backoff: float = 1.0,
        max_delay: float = 300.0,
        max_attempts: int = 10,
        timeout: tuple[float, float] = (2.0, 5.0),
    ) -> None:
        self.url = public_url.rstrip("/") + "/hooks/city"
        parts = urlsplit(self.url)
        self._path = parts.path + (f"?{parts.query}" if parts.query else "")
        self._client_id = client_id
        self._secret = secret
        self.enabled = enabled
        self.backoff = backoff
        self.max_delay = max_delay
        self.max_attempts = max_attempts
        self._timeout = timeout
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self._ids = itertools.count(1)
        self.events: dict[str, dict[str, Any]] = {}
        self.deliveries: dict[str, Delivery] = {}
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._session = requests.Session()

    def emit(self, event_type: str, **fields: Any) -> dict[str, Any]:
        """Create an event with a fresh event_id and queue its delivery."""
        event = {"event_id": "E" + uuid.uuid4().hex, "event": event_type, **fields}
        with self._cond:
            self.events[event["event_id"]] = event
        self._queue(event)
        return event

    def resend(self, event_id: str) -> Delivery | None:
        """Queue another delivery of an already sent event (same event_id)."""
        with self._cond:
            event = self.events.get(event_id)
        return self._queue(event) if event else None

    def _queue(self, event: dict[str, Any]) -> Delivery:
        """Record a delivery and wake the sender thread."""
        with self._cond:
            delivery = Delivery(f"D{next(self._ids)}", event)
            self.deliveries[delivery.delivery_id] = delivery
            if not self.enabled:
                delivery.state = "held"
                return delivery
            delivery.next_attempt_at = time.monotonic()
            heapq.heappush(
                self._heap, (delivery.next_attempt_at, next(self._seq), delivery.delivery_id)
            )
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(
                    target=self._run, name="citysim-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify()
            return delivery

    def snapshot(self) -> list[dict[str, Any]]:
        """Return every delivery, newest first."""
        with self._cond:
            return [d.to_dict() for d in reversed(self.deliveries.values())]

    def counts(self) -> dict[str, int]:
        """Return the number of deliveries per state."""
        with self._cond:
            counts = {"pending": 0, "delivered": 0, "failed": 0, "held": 0}
            for delivery in self.deliveries.values():
                counts[delivery.state] += 1
            return counts

    def reset(self) -> None:
        """Forget every event and delivery, including queued retries."""
        with self._cond:
            self._heap.clear()
            self.events.clear()
            self.deliveries.clear()

    def stop(self) -> None:
        """Stop the sender thread (queued deliveries stay pending)."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _next_due(self) -> Delivery | None:
        """Wait for the next due delivery; None when stopping."""
        with self._cond:
            while not self._stopping:
                if self._heap:
                    due, _, delivery_id = self._heap[0]
                    wait = due - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self._heap)
                        delivery = self.deliveries.get(delivery_id)
                        if delivery is not None and delivery.state == "pending":
                            return delivery
                        continue
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _run(self) -> None:
        """Deliver due events one at a time until stopped."""
        while (delivery := self._next_due()) is not None:
            status = self._attempt(delivery.event)
            with self._cond:
                delivery.attempts += 1
                delivery.last_status = status
                delivery.last_attempt_at = now_cn().isoformat()
                if isinstance(status, int) and 200 <= status < 300:
                    delivery.state = "delivered"
                elif delivery.attempts >= self.max_attempts:
                    delivery.state = "failed"
                elif delivery.delivery_id in self.deliveries:
                    delay = min(self.max_delay, self.backoff * 2 ** (delivery.attempts - 1))
                    delivery.next_attempt_at = time.monotonic() + delay
                    heapq.heappush(
                        self._heap,
                        (delivery.next_attempt_at, next(self._seq), delivery.delivery_id),
                    )

    def _attempt(self, event: dict[str, Any]) -> int | str:
        """POST one event, freshly signed; return the HTTP status or the error name."""
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = signed_headers(self._client_id, self._secret, "POST", self._path, body)
        headers["Content-Type"] = "application/json; charset=utf-8"
        try:
            response = self._session.post(
                self.url, data=body, headers=headers, timeout=self._timeout
            )
        except requests.RequestException as exc:
            log.info("webhook %s to %s failed: %s", event["event_id"], self.url, exc)
            return type(exc).__name__
        return response.status_code
