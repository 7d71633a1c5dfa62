"""Each adapter against its device simulator: success, auth failures, slow devices, timeouts."""

import json
import time

import pytest
import requests

from xgm.citysim.process import free_port
from xgm.gateagent.adapters.hikvision import OPEN_BODY, HikvisionAdapter, parse_status
from xgm.gateagent.adapters.httprelay import HttpRelayAdapter, sign
from xgm.gateagent.adapters.serialrelay import SerialRelayAdapter, frame
from xgm.gatesim import hikvision as hiksim
from xgm.gatesim.hikvision import HikvisionSim
from xgm.gatesim.relay import RelaySim
from xgm.gatesim.serialboard import SerialBoardSim

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def hik():
    """A Hikvision access controller simulator with two doors."""
    with HikvisionSim() as sim:
        yield sim


@pytest.fixture
def relay():
    """An HTTP relay simulator."""
    with RelaySim() as sim:
        yield sim


@pytest.fixture
def board():
    """An LCUS relay board simulator on a pseudo-terminal."""
    with SerialBoardSim() as sim:
        yield sim


# Hikvision ISAPI


def test_hikvision_opens_the_door_with_digest_auth(hik):
    """PUT RemoteControl/door/1 with Digest: opened, with the device's ResponseStatus."""
    result = HikvisionAdapter(hik.url, "admin", "Hik12345").open(KEY)
    assert (result.outcome, result.answer) == ("opened", "HTTP 200 · 1 OK · ok")
    assert [(o.door, o.cmd) for o in hik.opens] == [(1, "open")]
    assert hik.unauthorized == 1  # the first request met the Digest challenge


def test_hikvision_second_open_reuses_the_nonce(hik):
    """A second open goes through with the nonce of the first (nc 2): no second challenge."""
    adapter = HikvisionAdapter(hik.url, "admin", "Hik12345", door=2)
    assert adapter.open(KEY).outcome == "opened"
    assert adapter.open(KEY).outcome == "opened"
    assert [o.door for o in hik.opens] == [2, 2]
    assert hik.unauthorized == 1


def test_hikvision_stale_nonce_is_renewed(hik):
    """An expired nonce gets stale="TRUE"; the adapter answers the new challenge and opens."""
    adapter = HikvisionAdapter(hik.url, "admin", "Hik12345")
    assert adapter.open(KEY).outcome == "opened"
    hik.expire_nonces()
    assert adapter.open(KEY).outcome == "opened"
    assert hik.unauthorized == 2 and len(hik.opens) == 2


def test_hikvision_wrong_password_fails_without_opening(hik):
    """A wrong password: failed, the answer says so (401), the door stays shut."""
    result = HikvisionAdapter(hik.url, "admin", "wrong").open(KEY)
    assert result.outcome == "failed"
    assert result.answer == "HTTP 401：用户名或密码错误（Digest 认证失败）"
    assert hik.opens == []


def test_hikvision_simulator_challenges_like_the_device(hik):
    """No credentials: 401, WWW-Authenticate Digest qop="auth" with realm and nonce; HTML body."""
    response = requests.put(hik.url + "/ISAPI/AccessControl/RemoteControl/door/1", data=OPEN_BODY)
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Digest qop="auth", realm="IP Camera(XGMSIM1)", nonce="')
    assert challenge.endswith('stale="FALSE"')
    assert "401 -- Unauthorized" in response.text


def test_hikvision_simulator_refuses_a_replayed_authorization(hik):
    """The same Authorization header (same nonce and nc) a second time is a 401."""
    from requests.auth import HTTPDigestAuth

    session = requests.Session()
    session.auth = HTTPDigestAuth("admin", "Hik12345")
    url = hik.url + "/ISAPI/AccessControl/RemoteControl/door/1"
    first = session.put(url, data=OPEN_BODY)
    assert first.status_code == 200
    replay = requests.put(
        url, data=OPEN_BODY, headers={"Authorization": first.request.headers["Authorization"]}
    )
    assert replay.status_code == 401
    assert len(hik.opens) == 1


def test_hikvision_slow_device_within_the_timeout_opens(hik):
    """A device that takes 0.5 s, with a 3 s timeout: opened."""
    hik.delay = 0.5
    started = time.monotonic()
    result = HikvisionAdapter(hik.url, "admin", "Hik12345", timeout=3).open(KEY)
    assert result.outcome == "opened"
    assert time.monotonic() - started >= 0.5


def test_hikvision_device_slower_than_the_timeout_times_out(hik):
    """A device that takes 2 s, with a 0.5 s timeout: timeout, with the URL in the answer."""
    hik.delay = 2.0
    result = HikvisionAdapter(hik.url, "admin", "Hik12345", timeout=0.5).open(KEY)
    assert result.outcome == "timeout"
    assert result.answer == (
        f"设备 0.5 秒内没有应答（{hik.url}/ISAPI/AccessControl/RemoteControl/door/1）"
    )


def test_hikvision_device_errors_are_reported(hik):
    """Device Busy (503, statusCode 2) and a door the device lacks (400, badParameters) fail."""
    hik.busy = True
    busy = HikvisionAdapter(hik.url, "admin", "Hik12345").open(KEY)
    assert (busy.outcome, busy.answer) == ("failed", "HTTP 503 · 2 Device Busy · deviceBusy")
    hik.busy = False
    missing = HikvisionAdapter(hik.url, "admin", "Hik12345", door=3).open(KEY)
    assert (missing.outcome, missing.answer) == (
        "failed",
        "HTTP 400 · 6 Invalid Content · badParameters",
    )
    assert hik.opens == []


def test_hikvision_unreachable_device_fails():
    """Nothing listens at the address: failed, "cannot connect"."""
    url = f"http://127.0.0.1:{free_port()}"
    result = HikvisionAdapter(url, "admin", "x", connect_timeout=1).open(KEY)
    assert result.outcome == "failed"
    assert result.answer.startswith(f"无法连接设备 {url}/ISAPI/AccessControl/RemoteControl/door/1")


def test_response_status_parsing_ignores_the_namespace():
    """statusCode/statusString/subStatusCode are read in either ISAPI namespace, or none."""
    body = hiksim.response_status("/x", 4, "Invalid Operation", "notSupport")
    assert parse_status(body) == {
        "statusCode": "4",
        "statusString": "Invalid Operation",
        "subStatusCode": "notSupport",
    }
    old = b'<ResponseStatus xmlns="http://www.hikvision.com/ver20/XMLSchema"><statusCode>1</statusCode></ResponseStatus>'
    assert parse_status(old) == {"statusCode": "1"}
    assert parse_status(b"<html>") == {}


# HTTP relay


def test_relay_pulses_on_a_signed_request(relay):
    """A signed POST: the relay checks the HMAC, pulses once, opened with its answer."""
    result = HttpRelayAdapter(relay.url, relay.secret).open(KEY)
    assert result.outcome == "opened"
    assert result.answer == 'HTTP 200 · {"ok": true, "relay": "pulsed"}'
    assert relay.pulses == [KEY]


def test_relay_signature_is_hmac_sha256_over_timestamp_and_body():
    """The documented signature: sha256= hex of HMAC-SHA256(secret, timestamp + "." + body)."""
    body = json.dumps({"command": KEY, "action": "open"}, separators=(",", ":")).encode()
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("s3cret", "1700000000", body) == "sha256=" + expected


def test_relay_refuses_a_wrong_secret(relay):
    """A wrong secret: the relay answers 401, the adapter fails and says what to check."""
    result = HttpRelayAdapter(relay.url, "not-the-secret").open(KEY)
    assert result.outcome == "failed"
    assert result.answer.startswith('HTTP 401 · {"ok": false, "error": "bad signature"}')
    assert result.answer.endswith("继电器拒绝了签名（检查 --relay-secret 和两边的时钟）")
    assert relay.pulses == [] and relay.refused == 1


def test_relay_refuses_a_stale_timestamp_and_a_replay(relay):
    """A timestamp 10 minutes old is 401; the same command id twice is 409."""
    body = json.dumps({"command": KEY, "action": "open"}).encode()
    old = str(int(time.time()) - 600)
    stale = requests.post(
        relay.url,
        data=body,
        headers={"X-XGM-Timestamp": old, "X-XGM-Signature": sign(relay.secret, old, body)},
    )
    assert stale.status_code == 401 and stale.json()["error"] == "stale timestamp"
    adapter = HttpRelayAdapter(relay.url, relay.secret)
    assert adapter.open(KEY).outcome == "opened"
    replay = adapter.open(KEY)
    assert (replay.outcome, replay.answer) == (
        "failed",
        'HTTP 409 · {"ok": false, "error": "replayed command"}',
    )
    assert relay.pulses == [KEY]


def test_relay_slow_and_too_slow(relay):
    """A relay taking 0.5 s opens with a 3 s timeout; taking 2 s with 0.5 s, it times out."""
    relay.delay = 0.5
    assert HttpRelayAdapter(relay.url, relay.secret, timeout=3).open(KEY).outcome == "opened"
    relay.delay = 2.0
    result = HttpRelayAdapter(relay.url, relay.secret, timeout=0.5).open("f" * 32)
    assert result.outcome == "timeout"
    assert result.answer == f"继电器 0.5 秒内没有应答（{relay.url}）"


# USB/serial relay board


def test_serial_frames_are_the_lcus_commands():
    """Relay 1 on A0 01 01 A2, off A0 01 00 A1; relay 2 on A0 02 01 A3."""
    assert frame(1, True) == bytes.fromhex("A00101A2")
    assert frame(1, False) == bytes.fromhex("A00100A1")
    assert frame(2, True) == bytes.fromhex("A00201A3")


def test_serial_pulse_switches_the_relay_on_then_off(board):
    """The board sees channel 1 on, then off after the pulse; no malformed frame."""
    result = SerialRelayAdapter(board.port, pulse=0.3).open(KEY)
    assert (result.outcome, result.answer) == ("opened", "A0 01 01 A2 → 0.3 秒 → A0 01 00 A1")
    _wait_for(lambda: len(board.switches) == 2)
    on, off = board.switches
    assert (on.channel, on.on, off.channel, off.on) == (1, True, 1, False)
    assert off.at - on.at >= 0.25
    assert board.bad_frames == 0 and board.relay_on(1) is False


def test_serial_other_channel(board):
    """--channel 3 pulses relay 3 only."""
    assert SerialRelayAdapter(board.port, channel=3, pulse=0.05).open(KEY).outcome == "opened"
    _wait_for(lambda: len(board.switches) == 2)
    assert [(s.channel, s.on) for s in board.switches] == [(3, True), (3, False)]


def test_serial_missing_port_or_not_a_tty_fails(tmp_path):
    """No such device, or a file that is no serial port: failed with the reason."""
    missing = SerialRelayAdapter(str(tmp_path / "ttyUSB9")).open(KEY)
    assert missing.outcome == "failed"
    assert missing.answer == f"无法打开串口 {tmp_path / 'ttyUSB9'}：No such file or directory"
    plain = tmp_path / "plain"
    plain.write_text("")
    result = SerialRelayAdapter(str(plain)).open(KEY)
    assert result.outcome == "failed" and result.answer.startswith(f"{plain} 不是串口")


def test_serial_stalled_line_times_out(board):
    """A wedged adapter that takes no bytes: timeout after --device-timeout, nothing switched."""
    board.stall()
    started = time.monotonic()
    result = SerialRelayAdapter(board.port, pulse=0.05, timeout=0.5).open(KEY)
    assert result.outcome == "timeout"
    assert result.answer == f"串口 {board.port} 0.5 秒内写不进去（接线或驱动故障）"
    assert 0.5 <= time.monotonic() - started < 5
    board.resume()
    assert board.switches == []


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "the board did not see the frames"
        time.sleep(0.01)
