"""The two robot simulators (see the package docstring for the protocols)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import deque
from urllib.parse import parse_qs, urlsplit

from xgm.gatesim.httpbase import QuietHandler, SimServer

#: Messages a robot accepts per minute (both services publish 20).
PER_MINUTE = 20


class _BotHandler(QuietHandler):
    def do_POST(self):  # noqa: N802 - BaseHTTPRequestHandler's naming
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = self.read_body()
        status, answer = self.sim.receive(parts.path, query, body)
        self.answer(status, json.dumps(answer).encode(), "application/json; charset=utf-8")


class _BotSim(SimServer):
    """State shared by both robots: accepted messages, injected failures, the rate window."""

    PATH = ""

    def __init__(self, port: int = 0):
        super().__init__(_BotHandler, port=port)
        self.messages: list[dict] = []
        self.requests = 0
        self._failures: deque = deque()
        self._sent_at: deque = deque()
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)

    def fail_next(self, count: int = 1, status: int = 200, errcode: int | None = None) -> None:
        """Answer the next `count` requests with this HTTP status (and errcode, when 200)."""
        with self._lock:
            self._failures.extend([(status, errcode)] * count)

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Block until `count` messages were accepted (False on timeout)."""
        with self._done:
            return self._done.wait_for(lambda: len(self.messages) >= count, timeout)

    def receive(self, path: str, query: dict, body: bytes) -> tuple[int, dict]:
        """One request: (HTTP status, JSON answer)."""
        with self._lock:
            self.requests += 1
            if self._failures:
                status, errcode = self._failures.popleft()
                if status != 200:
                    return status, {"errcode": -1, "errmsg": "system busy"}
                return 200, {"errcode": errcode, "errmsg": "injected failure"}
            if path != self.PATH:
                return 404, {"errcode": 404, "errmsg": "not found"}
            problem = self.check(query)
            if problem:
                return 200, problem
            try:
                data = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                return 200, {"errcode": 40035, "errmsg": "invalid parameter"}
            problem = self.check_body(data)
            if problem:
                return 200, problem
            now = time.monotonic()
            while self._sent_at and now - self._sent_at[0] > 60:
                self._sent_at.popleft()
            if len(self._sent_at) >= PER_MINUTE:
                return 200, self.too_fast()
            self._sent_at.append(now)
            self.messages.append({"query": query, "body": data})
            self._done.notify_all()
            return 200, {"errcode": 0, "errmsg": "ok"}

    def check(self, query: dict) -> dict | None:  # pragma: no cover - overridden
        raise NotImplementedError

    def check_body(self, data) -> dict | None:
        """Shared body rules: a msgtype of text or markdown with non-empty content."""
        if not isinstance(data, dict) or data.get("msgtype") not in ("text", "markdown"):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        inner = data.get(data["msgtype"])
        key = "content" if data["msgtype"] == "text" or self.PATH.startswith("/cgi") else "text"
        if not isinstance(inner, dict) or not str(inner.get(key) or "").strip():
            return {"errcode": 44004, "errmsg": "empty content"}
        return None

    def too_fast(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError

    def texts(self) -> list[str]:
        """The content of every accepted message."""
        out = []
        for message in self.messages:
            body = message["body"]
            inner = body[body["msgtype"]]
            out.append(inner.get("content") or inner.get("text") or "")
        return out


class WeComSim(_BotSim):
    """企业微信 group robot: one key, `POST /cgi-bin/webhook/send?key=KEY`."""

    PATH = "/cgi-bin/webhook/send"

    def __init__(self, key: str = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa", port: int = 0):
        super().__init__(port)
        self.key = key

    def hook_url(self) -> str:
        """The webhook URL a group's robot settings show."""
        return f"{self.url}{self.PATH}?key={self.key}"

    def check(self, query: dict) -> dict | None:
        """The key must be this robot's."""
        if query.get("key") != self.key:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        return None

    def too_fast(self) -> dict:
        """WeCom's frequency limit answer."""
        return {"errcode": 45009, "errmsg": "api freq out of limit"}


class DingTalkSim(_BotSim):
    """钉钉 custom robot with 加签: `POST /robot/send?access_token=T&timestamp=MS&sign=S`."""

    PATH = "/robot/send"

    def __init__(
        self,
        token: str = "b2f1c3d4e5f60718293a4b5c6d7e8f90",  # noqa: S107 - a simulator's robot
        secret: str = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab",  # noqa: S107
        port: int = 0,
    ):
        super().__init__(port)
        self.token = token
        self.secret = secret

    def hook_url(self) -> str:
        """The webhook URL the robot's settings show (without timestamp and sign)."""
        return f"{self.url}{self.PATH}?access_token={self.token}"

    def check(self, query: dict) -> dict | None:
        """The token must be this robot's, the signature right and at most an hour old."""
        if query.get("access_token") != self.token:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        timestamp = query.get("timestamp", "")
        if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
            return {"errcode": 310000, "errmsg": "sign not match, more: [timestamp expired]"}
        digest = hmac.new(
            self.secret.encode(), f"{timestamp}\n{self.secret}".encode(), hashlib.sha256
        ).digest()
        expected = base64.b64encode(digest).decode()
        # parse_qs decodes the query once: a sign sent url-encoded (as required) is base64 again;
        # one sent raw has lost its "+" to spaces and does not match, as at DingTalk.
        if not hmac.compare_digest(query.get("sign", ""), expected):
            return {"errcode": 310000, "errmsg": "sign not match"}
        return None

    def too_fast(self) -> dict:
        """DingTalk's frequency limit answer."""
        return {"errcode": 410100, "errmsg": "send too fast"}
