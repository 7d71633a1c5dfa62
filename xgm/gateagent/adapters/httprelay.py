"""A generic HTTP relay (a relay board with a web API, a PLC gateway, a small script).

    POST <relay-url>
    Content-Type: application/json
    X-XGM-Timestamp: <unix seconds>
    X-XGM-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>

    {"command": "<command id>", "action": "open"}

The relay checks the signature and that the timestamp is within 5 minutes of its clock, pulses
its output, and answers any 2xx (its body is the device's answer). 401 or 403 means it
refused the signature. The command id lets it drop a replayed request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests

from xgm.gateagent.adapters import FAILED, OPENED, TIMEOUT, Result


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-XGM-Signature value of a body sent at `timestamp`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class HttpRelayAdapter:
    """Opens the barrier by a signed POST to a relay on the LAN."""

    name = "http-relay"

    def __init__(
        self, relay_url: str, secret: str, timeout: float = 5.0, connect_timeout: float = 3.0
    ) -> None:
        self.url = relay_url
        self.secret = secret
        self.timeout = (connect_timeout, timeout)
        self.session = requests.Session()

    def describe(self) -> str:
        """Where the relay is, for the log."""
        return f"HTTP relay {self.url}"

    def open(self, command_id: str) -> Result:
        """POST the signed open command and read the relay's answer."""
        body = json.dumps({"command": command_id, "action": "open"}, separators=(",", ":")).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-XGM-Timestamp": timestamp,
            "X-XGM-Signature": sign(self.secret, timestamp, body),
        }
        try:
            response = self.session.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            return Result(TIMEOUT, f"继电器 {self.timeout[1]:g} 秒内没有应答（{self.url}）")
        except requests.RequestException as exc:
            return Result(FAILED, f"无法连接继电器 {self.url}：{type(exc).__name__}")
        text = response.text.strip()[:200]
        summary = f"HTTP {response.status_code}" + (f" · {text}" if text else "")
        if response.status_code in (401, 403):
            return Result(
                FAILED, f"{summary}：继电器拒绝了签名（检查 --relay-secret 和两边的时钟）"
            )
        if 200 <= response.status_code < 300:
            return Result(OPENED, summary)
        return Result(FAILED, summary)
