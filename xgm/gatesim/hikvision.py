"""A Hikvision access controller's ISAPI, as far as opening a door goes.

    PUT /ISAPI/AccessControl/RemoteControl/door/<n>   <RemoteControlDoor><cmd>open</cmd>...
    GET /ISAPI/System/deviceInfo

HTTP Digest authentication (RFC 2617, MD5, qop="auth") as the devices do it: a request without
valid credentials gets 401 with `WWW-Authenticate: Digest qop="auth", realm="IP Camera(...)",
nonce="...", stale="FALSE"` and an HTML body; a nonce is good for NONCE_TTL seconds and its nc
must grow (a replayed Authorization is refused; an old nonce gets stale="TRUE"). Answers are
ResponseStatus XML in the ISAPI 2.0 namespace: statusCode 1 OK / ok when the door opened,
2 Device Busy / deviceBusy, 4 Invalid Operation / notSupport for an unknown cmd, 5 Invalid
XML Format / badXmlFormat, 6 Invalid Content / badParameters for a door the device lacks.

Test controls: `delay` (seconds before answering: a slow device), `busy` (answer Device Busy),
`expire_nonces()`, and `opens` (the doors opened, in order, with the time).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 - parses the test's own requests
from dataclasses import dataclass, field

from xgm.gatesim.httpbase import QuietHandler, SimServer

NAMESPACE = "http://www.isapi.org/ver20/XMLSchema"
NONCE_TTL = 60.0
DOOR_RE = re.compile(r"^/ISAPI/AccessControl/RemoteControl/door/(\d+)$")
COMMANDS = ("open", "close", "alwaysOpen", "alwaysClose", "resume")

UNAUTHORIZED_HTML = b"""<!DOCTYPE html>
<html><head><title>Document Error: Unauthorized</title></head>
<body><h2>Access Error: 401 -- Unauthorized</h2><p>Authentication Error</p></body></html>
"""


def response_status(url: str, code: int, text: str, sub: str) -> bytes:
    """A ResponseStatus document as the devices send it."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ResponseStatus version="2.0" xmlns="{NAMESPACE}">\n'
        f"<requestURL>{url}</requestURL>\n"
        f"<statusCode>{code}</statusCode>\n"
        f"<statusString>{text}</statusString>\n"
        f"<subStatusCode>{sub}</subStatusCode>\n"
        "</ResponseStatus>\n"
    ).encode()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - RFC 2617 Digest is MD5


def parse_digest(header: str) -> dict[str, str]:
    """The fields of an `Authorization: Digest ...` header."""
    if not header.lower().startswith("digest "):
        return {}
    fields = {}
    for match in re.finditer(r'(\w+)=(?:"([^"]*)"|([^,\s]+))', header[7:]):
        fields[match.group(1).lower()] = (
            match.group(2) if match.group(2) is not None else match.group(3)
        )
    return fields


@dataclass
class DoorOpen:
    """One door opened by the simulated device."""

    door: int
    cmd: str
    at: float


@dataclass
class HikvisionSim:
    """The simulated device: its accounts, doors and behaviour knobs."""

    username: str = "admin"
    password: str = "Hik12345"  # noqa: S105 - the simulator's own test account
    doors: int = 2
    realm: str = "IP Camera(XGMSIM1)"
    delay: float = 0.0
    busy: bool = False
    opens: list[DoorOpen] = field(default_factory=list)
    #: Requests refused with 401 (no or wrong credentials).
    unauthorized: int = 0
    _nonces: dict[str, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    server: SimServer | None = None

    @property
    def url(self) -> str:
        """The device's base URL."""
        return self.server.url

    def start(self, port: int = 0) -> HikvisionSim:
        """Serve on 127.0.0.1 (a free port by default)."""
        self.server = SimServer(_Handler, port).start()
        self.server.device = self
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            self.server.stop()

    def __enter__(self) -> HikvisionSim:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def new_nonce(self) -> str:
        """Issue a nonce."""
        nonce = secrets.token_hex(16)
        with self._lock:
            self._nonces[nonce] = (time.monotonic(), 0)
        return nonce

    def expire_nonces(self) -> None:
        """Age every nonce issued so far past NONCE_TTL (the device's clock moved on)."""
        with self._lock:
            for nonce, (born, nc) in list(self._nonces.items()):
                self._nonces[nonce] = (born - NONCE_TTL - 1, nc)

    def check(self, method: str, header: str) -> str:
        """ "ok", "stale" (an expired nonce with the right password) or "denied"."""
        fields = parse_digest(header or "")
        needed = ("username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce")
        if not all(k in fields for k in needed) or fields["qop"] != "auth":
            return "denied"
        if fields["username"] != self.username or fields["realm"] != self.realm:
            return "denied"
        ha1 = _md5(f"{self.username}:{self.realm}:{self.password}")
        ha2 = _md5(f"{method}:{fields['uri']}")
        expected = _md5(f"{ha1}:{fields['nonce']}:{fields['nc']}:{fields['cnonce']}:auth:{ha2}")
        if not secrets.compare_digest(expected, fields["response"]):
            return "denied"
        try:
            nc = int(fields["nc"], 16)
        except ValueError:
            return "denied"
        with self._lock:
            issued = self._nonces.get(fields["nonce"])
            if issued is None:
                return "stale"
            born, last_nc = issued
            if time.monotonic() - born > NONCE_TTL:
                del self._nonces[fields["nonce"]]
                return "stale"
            if nc <= last_nc:
                return "denied"  # a replayed request
            self._nonces[fields["nonce"]] = (born, nc)
        return "ok"


class _Handler(QuietHandler):
    def _device(self) -> HikvisionSim:
        return self.sim.device

    def _challenge(self, stale: bool = False) -> None:
        device = self._device()
        device.unauthorized += 1
        challenge = (
            f'Digest qop="auth", realm="{device.realm}", nonce="{device.new_nonce()}", '
            f'stale="{"TRUE" if stale else "FALSE"}"'
        )
        self.answer(401, UNAUTHORIZED_HTML, "text/html", {"WWW-Authenticate": challenge})

    def _authorised(self) -> bool:
        verdict = self._device().check(self.command, self.headers.get("Authorization", ""))
        if verdict != "ok":
            self._challenge(stale=verdict == "stale")
            return False
        return True

    def _xml(self, status: int, code: int, text: str, sub: str) -> None:
        self.answer(status, response_status(self.path, code, text, sub), "application/xml")

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path != "/ISAPI/System/deviceInfo":
            self._xml(404, 4, "Invalid Operation", "notSupport")
            return
        if not self._authorised():
            return
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<DeviceInfo version="2.0" xmlns="{NAMESPACE}">'
            "<deviceName>Access Controller</deviceName><model>DS-K2602-SIM</model>"
            "<serialNumber>XGMSIM1</serialNumber><deviceType>ACS</deviceType></DeviceInfo>"
        ).encode()
        self.answer(200, body, "application/xml")

    def do_PUT(self):  # noqa: N802 - http.server's naming
        body = self.read_body()
        match = DOOR_RE.match(self.path)
        if match is None:
            self._xml(404, 4, "Invalid Operation", "notSupport")
            return
        if not self._authorised():
            return
        device = self._device()
        if device.delay:
            time.sleep(device.delay)
        try:
            root = ET.fromstring(body)  # noqa: S314 - the test's own request
        except ET.ParseError:
            self._xml(400, 5, "Invalid XML Format", "badXmlFormat")
            return
        cmd = None
        if root.tag.rsplit("}", 1)[-1] == "RemoteControlDoor":
            for element in root:
                if element.tag.rsplit("}", 1)[-1] == "cmd":
                    cmd = (element.text or "").strip()
        if cmd is None:
            self._xml(400, 6, "Invalid Content", "badXmlContent")
            return
        if cmd not in COMMANDS:
            self._xml(403, 4, "Invalid Operation", "notSupport")
            return
        door = int(match.group(1))
        if not 1 <= door <= device.doors:
            self._xml(400, 6, "Invalid Content", "badParameters")
            return
        if device.busy:
            self._xml(503, 2, "Device Busy", "deviceBusy")
            return
        device.opens.append(DoorOpen(door, cmd, time.monotonic()))
        self._xml(200, 1, "OK", "ok")
