"""HMAC request signing of the city platform contract (section 1), both directions.

Pure functions plus two nonce stores; shared by the client, the simulator and
xgm's webhook receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from xgm.city.errors import BadSignature

HEADER_CLIENT = "X-City-Client"
HEADER_TIMESTAMP = "X-City-Timestamp"
HEADER_NONCE = "X-City-Nonce"
HEADER_SIGNATURE = "X-City-Signature"
SIGNED_HEADERS = (HEADER_CLIENT, HEADER_TIMESTAMP, HEADER_NONCE, HEADER_SIGNATURE)

#: Largest accepted distance between the sender's and our clock, in seconds.
MAX_SKEW = 300
#: How long a nonce is remembered: the whole +-MAX_SKEW window.
NONCE_TTL = 2 * MAX_SKEW

_NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
#: Unix seconds: an optional minus and at most 12 ASCII digits (anything longer is no clock).
_TIMESTAMP_RE = re.compile(r"-?[0-9]{1,12}")
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def new_nonce() -> str:
    """Return a fresh random nonce that satisfies the contract (32 url-safe chars)."""
    return secrets.token_urlsafe(24)


def string_to_sign(timestamp: int | str, nonce: str, method: str, path: str, body: bytes) -> str:
    """Return the exact text the contract's HMAC covers."""
    body_hash = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
    return f"{timestamp}\n{nonce}\n{method.upper()}\n{path}\n{body_hash}"


def compute_signature(
    secret: str, timestamp: int | str, nonce: str, method: str, path: str, body: bytes
) -> str:
    """Return hex(HMAC-SHA256(secret, string_to_sign(...)))."""
    message = string_to_sign(timestamp, nonce, method, path, body).encode("utf-8")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(
    client_id: str,
    secret: str,
    method: str,
    path_with_query: str,
    body: bytes = b"",
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the four X-City-* headers signing this request."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    nonce = new_nonce() if nonce is None else nonce
    return {
        HEADER_CLIENT: client_id,
        HEADER_TIMESTAMP: str(ts),
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: compute_signature(secret, ts, nonce, method, path_with_query, body),
    }


def _header(headers: Any, name: str) -> str | None:
    """Read a header case-insensitively from any mapping-like headers object."""
    value = headers.get(name)
    if value is None and isinstance(headers, Mapping):
        lowered = name.lower()
        for key, candidate in headers.items():
            if isinstance(key, str) and key.lower() == lowered:
                return candidate
    return value


def verify(
    secret: str,
    headers: Any,
    method: str,
    path_with_query: str,
    body: bytes,
    now: float,
    nonce_seen: Callable[[str], bool],
    client_id: str | None = None,
) -> None:
    """Check a signed request; raise BadSignature(reason) unless it is authentic and fresh.

    `nonce_seen(nonce)` must return True when the nonce was already used within
    the window and otherwise record it; it is only called once the signature is
    valid, so forged requests cannot burn nonces. When `client_id` is given the
    X-City-Client header must equal it.
    """
    values = {name: _header(headers, name) for name in SIGNED_HEADERS}
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise BadSignature("missing header " + ", ".join(missing))
    if client_id is not None and values[HEADER_CLIENT] != client_id:
        raise BadSignature("unknown client")
    raw_ts = values[HEADER_TIMESTAMP].strip()
    if not _TIMESTAMP_RE.fullmatch(raw_ts):
        raise BadSignature("malformed timestamp")
    timestamp = int(raw_ts)
    if abs(now - timestamp) > MAX_SKEW:
        raise BadSignature("timestamp outside the allowed window")
    nonce = values[HEADER_NONCE]
    if not _NONCE_RE.fullmatch(nonce):
        raise BadSignature("malformed nonce")
    expected = compute_signature(secret, raw_ts, nonce, method, path_with_query, body)
    given = values[HEADER_SIGNATURE].strip().lower()
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace")):
        raise BadSignature("signature mismatch")
    if nonce_seen(nonce):
        raise BadSignature("nonce already used")


def request_target(environ: Mapping[str, Any]) -> str:
    """Return the path and query of a WSGI request exactly as the sender wrote it.

    Uses the raw request line (RAW_URI / REQUEST_URI, set by gunicorn, Werkzeug's
    server and test client) and falls back to re-quoting the decoded path.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        if not raw.startswith("/"):
            parts = urlsplit(raw)
            raw = parts.path + (f"?{parts.query}" if parts.query else "")
        return raw
    path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1")
    query = environ.get("QUERY_STRING", "")
    return quote(path.decode("utf-8", "replace"), safe="/:@!$&'()*+,;=-._~") + (
        f"?{query}" if query else ""
    )


class MemoryNonceStore:
    """In-process nonce store (the simulator's): callable, True when seen before."""

    def __init__(self, ttl: float = NONCE_TTL, clock: Callable[[], float] = time.monotonic):
        self._ttl = ttl
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def __call__(self, nonce: str) -> bool:
        """Return True if the nonce was seen within the TTL, else record it."""
        now = self._clock()
        with self._lock:
            if now >= self._next_purge:
                self._seen = {n: exp for n, exp in self._seen.items() if exp > now}
                self._next_purge = now + self._ttl / 10
            expires = self._seen.get(nonce)
            if expires is not None and expires > now:
                return True
            self._seen[nonce] = now + self._ttl
            return False

    seen = __call__

    def clear(self) -> None:
        """Forget every nonce."""
        with self._lock:
            self._seen.clear()


class RedisNonceStore:
    """Redis nonce store shared by all processes: SET NX EX, callable, True when seen."""

    def __init__(self, redis_client: Any, prefix: str = "xgm:city:nonce:", ttl: int = NONCE_TTL):
        self._redis = redis_client
        self._prefix = prefix
        self._ttl = int(ttl)

    def __call__(self, nonce: str) -> bool:
        """Return True if the nonce was seen within the TTL, else record it."""
        created = self._redis.set(self._prefix + nonce, b"1", nx=True, ex=self._ttl)
        return not created

    seen = __call__
