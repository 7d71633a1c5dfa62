"""The two group-bot protocols: message bodies, DingTalk's signature, and what an answer means.

企业微信 group robot: POST JSON to `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=KEY`,
`{"msgtype": "markdown", "markdown": {"content": ...}}`; the answer is
`{"errcode": 0, "errmsg": "ok"}`, 45009 when sending too fast (20 a minute), 93000 for a wrong
key. 钉钉 custom robot with 加签: POST JSON to
`https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=MS&sign=S` where
S = base64(HMAC-SHA256(secret, f"{MS}\\n{secret}")) (url-encoded), timestamp within an hour;
`{"msgtype": "markdown", "markdown": {"title": ..., "text": ...}}`; errcode 0, 310000 for a
bad signature or keyword, 300001 for a wrong token, 410100 when sending too fast.
Pure functions, nothing of Flask.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import parse_qs, quote_plus, urlsplit

WECOM_PATH = "/cgi-bin/webhook/send"
DINGTALK_PATH = "/robot/send"
#: Bot errcodes that mean "later": too fast, system busy.
TRANSIENT_ERRCODES = {-1, 45009, 410100, 130101}


@dataclass(frozen=True)
class Answer:
    """What one send came to: ok, or why not and whether trying again may help."""

    ok: bool
    retry: bool
    message: str


def url_problem(kind: str, url: str, base: str) -> str | None:
    """Why a pasted robot URL is not one we send to ("" base check per kind), else None.

    The URL must start with the bot service's base (no other host is ever fetched) and carry
    the robot's key (`key=` for WeCom, `access_token=` for DingTalk).
    """
    parts = urlsplit(url.strip())
    base_parts = urlsplit(base)
    if (parts.scheme, parts.netloc) != (base_parts.scheme, base_parts.netloc):
        return "host"
    path = WECOM_PATH if kind == "wecom" else DINGTALK_PATH
    if parts.path != path or parts.fragment:
        return "path"
    param = "key" if kind == "wecom" else "access_token"
    values = parse_qs(parts.query).get(param, [])
    if len(values) != 1 or not 8 <= len(values[0]) <= 128:
        return "key"
    return None


def url_hint(url: str) -> str:
    """The host and the key's last four characters: enough to tell two hooks apart."""
    parts = urlsplit(url)
    tail = parts.query[-4:] if parts.query else ""
    return f"{parts.netloc} …{tail}"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签 value for a timestamp (already url-encoded, as the robot expects)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(kind: str, url: str, secret: str, timestamp_ms: int) -> str:
    """The URL to POST to: DingTalk's gets timestamp and sign when a secret is set."""
    if kind != "dingtalk" or not secret:
        return url
    return f"{url}&timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def body(kind: str, title: str, lines: list[str]) -> dict:
    """The JSON body of a markdown message with a title and lines."""
    if kind == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": "\n".join([f"**{title}**", *lines])}}
    text = "\n\n".join([f"#### {title}", *lines])
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def read_answer(http_status: int, data) -> Answer:
    """Interpret a bot's HTTP status and JSON answer."""
    if http_status == 429 or http_status >= 500:
        return Answer(False, True, f"HTTP {http_status}")
    if http_status != 200 or not isinstance(data, dict):
        return Answer(False, False, f"HTTP {http_status}")
    code = data.get("errcode")
    if code == 0:
        return Answer(True, False, "ok")
    message = f"errcode {code}: {str(data.get('errmsg', ''))[:200]}"
    return Answer(False, code in TRANSIENT_ERRCODES, message)
