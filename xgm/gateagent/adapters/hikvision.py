"""Hikvision access controllers and barrier terminals over ISAPI (HTTP Digest authentication).

    PUT /ISAPI/AccessControl/RemoteControl/door/<n>
    <RemoteControlDoor><cmd>open</cmd></RemoteControlDoor>

The device answers an XML ResponseStatus: statusCode 1 (statusString OK, subStatusCode ok)
when the door opened; other codes (2 Device Busy, 3 Device Error, 4 Invalid Operation,
5 Invalid XML Format, 6 Invalid Content, ...) with a subStatusCode saying why. A request
without valid credentials gets 401 with a Digest challenge (qop="auth", MD5).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parses our own device's short answers

import requests
from requests.auth import HTTPDigestAuth

from xgm.gateagent.adapters import FAILED, OPENED, TIMEOUT, Result

OPEN_BODY = b"<RemoteControlDoor><cmd>open</cmd></RemoteControlDoor>"


def door_path(door: int) -> str:
    """The ISAPI path that opens one door (1-based) of the device."""
    return f"/ISAPI/AccessControl/RemoteControl/door/{door}"


def parse_status(body: bytes) -> dict[str, str]:
    """statusCode, statusString, subStatusCode (and errorCode, errorMsg) of a ResponseStatus."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - the device's own short answer
    except ET.ParseError:
        return {}
    found = {}
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("statusCode", "statusString", "subStatusCode", "errorCode", "errorMsg"):
            found[tag] = (element.text or "").strip()
    return found


class HikvisionAdapter:
    """Opens door `door` of a Hikvision device with ISAPI RemoteControl."""

    name = "hikvision"

    def __init__(
        self,
        device_url: str,
        username: str,
        password: str,
        door: int = 1,
        timeout: float = 5.0,
        connect_timeout: float = 3.0,
    ) -> None:
        self.url = device_url.rstrip("/") + door_path(door)
        self.door = door
        self.timeout = (connect_timeout, timeout)
        self.session = requests.Session()
        self.session.auth = HTTPDigestAuth(username, password)

    def describe(self) -> str:
        """Where the device is, for the log."""
        return f"Hikvision ISAPI {self.url}"

    def open(self, command_id: str) -> Result:
        """PUT the open command and read the device's ResponseStatus."""
        try:
            response = self.session.put(
                self.url,
                data=OPEN_BODY,
                headers={"Content-Type": "application/xml; charset=UTF-8"},
                timeout=self.timeout,
            )
        except requests.Timeout:
            return Result(TIMEOUT, f"设备 {self.timeout[1]:g} 秒内没有应答（{self.url}）")
        except requests.RequestException as exc:
            return Result(FAILED, f"无法连接设备 {self.url}：{type(exc).__name__}")
        status = parse_status(response.content)
        summary = " · ".join(
            part
            for part in (
                f"HTTP {response.status_code}",
                " ".join(filter(None, [status.get("statusCode"), status.get("statusString")])),
                status.get("subStatusCode", ""),
                status.get("errorMsg", ""),
            )
            if part
        )
        if response.status_code == 401:
            return Result(FAILED, f"{summary}：用户名或密码错误（Digest 认证失败）")
        if response.status_code == 200 and status.get("statusCode") == "1":
            return Result(OPENED, summary)
        if not status:
            summary += " · " + response.text[:120].strip()
        return Result(FAILED, summary)
