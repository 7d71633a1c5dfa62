"""An HTTP relay that checks xgm's signature, as the README's relay protocol describes it.

    POST <any path>   X-XGM-Timestamp, X-XGM-Signature: sha256=<HMAC-SHA256(secret, ts + "." + body)>
    {"command": "<id>", "action": "open"}

200 {"ok": true, "relay": "pulsed"} when it pulsed; 401 for a missing or wrong signature or a
timestamp more than WINDOW seconds from its clock; 409 for a command id it already pulsed
(a replay); 400 for a body that is not the JSON above. Test controls: `delay` (a slow relay)
and `pulses` (the command ids pulsed, in order).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field

from xgm.gatesim.httpbase import QuietHandler, SimServer

WINDOW = 300


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """What a correct X-XGM-Signature of this body and timestamp is."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class RelaySim:
    """The simulated relay: its secret, speed and what it pulsed."""

    secret: str = "relay-secret-for-tests"  # noqa: S105 - the simulator's test secret
    delay: float = 0.0
    pulses: list[str] = field(default_factory=list)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: SimServer | None = None

    @property
    def url(self) -> str:
        """The relay's URL (its open endpoint)."""
        return self.server.url + "/relay/open"

    def start(self, port: int = 0) -> RelaySim:
        """Serve on 127.0.0.1 (a free port by default)."""
        self.server = SimServer(_Handler, port).start()
        self.server.device = self
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> RelaySim:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(QuietHandler):
    def _json(self, status: int, data: dict) -> None:
        self.answer(status, json.dumps(data).encode(), "application/json")

    def do_POST(self):  # noqa: N802 - http.server's naming
        relay: RelaySim = self.sim.device
        body = self.read_body()
        timestamp = self.headers.get("X-XGM-Timestamp", "")
        signature = self.headers.get("X-XGM-Signature", "")
        try:
            fresh = abs(time.time() - int(timestamp)) <= WINDOW
        except ValueError:
            fresh = False
        good = hmac.compare_digest(expected_signature(relay.secret, timestamp, body), signature)
        if not (fresh and good):
            relay.refused += 1
            self._json(401, {"ok": False, "error": "bad signature" if fresh else "stale timestamp"})
            return
        try:
            data = json.loads(body)
            command = data["command"]
            if data.get("action") != "open" or not isinstance(command, str):
                raise ValueError
        except (ValueError, KeyError, TypeError):
            self._json(400, {"ok": False, "error": "bad request"})
            return
        if relay.delay:
            time.sleep(relay.delay)
        with relay._lock:
            if command in relay.pulses:
                self._json(409, {"ok": False, "error": "replayed command"})
                return
            relay.pulses.append(command)
        self._json(200, {"ok": True, "relay": "pulsed"})
