"""USB/serial relay boards of the LCUS family (CH340 USB-serial, 9600 baud, 8N1).

Each command is four bytes: 0xA0, the relay channel (1-based), the state (1 on, 0 off), and
a checksum, the low byte of the sum of the first three:

    relay 1 on   A0 01 01 A2        relay 1 off  A0 01 00 A1
    relay 2 on   A0 02 01 A3        relay 2 off  A0 02 00 A2

The board does not answer. The barrier controller's "open" input is wired to the relay's
contacts: the agent closes the relay, holds it for the pulse (1 s by default) and opens it
again, which is a press of the controller's open button. Written with termios from the
standard library (raw mode, no flow control): pyserial is not needed for eight bytes.
"""

from __future__ import annotations

import contextlib
import os
import select
import termios
import time

from xgm.gateagent.adapters import FAILED, OPENED, TIMEOUT, Result

BAUD_RATES = {
    1200: termios.B1200,
    2400: termios.B2400,
    4800: termios.B4800,
    9600: termios.B9600,
    19200: termios.B19200,
    38400: termios.B38400,
    57600: termios.B57600,
    115200: termios.B115200,
}


def frame(channel: int, on: bool) -> bytes:
    """The LCUS command switching one relay channel on or off."""
    state = 1 if on else 0
    return bytes([0xA0, channel, state, (0xA0 + channel + state) & 0xFF])


def hex_bytes(data: bytes) -> str:
    """Bytes as the boards' manuals print them: "A0 01 01 A2"."""
    return " ".join(f"{b:02X}" for b in data)


class WriteTimeout(Exception):
    """The port did not take the bytes in time (a stuck adapter or cable)."""


def configure(fd: int, baud: int) -> None:
    """Raw 8N1 at `baud`, no flow control, no echo, no line editing."""
    attrs = termios.tcgetattr(fd)
    iflag, oflag, cflag, lflag, _ispeed, _ospeed, cc = attrs
    iflag &= ~(
        termios.IGNBRK
        | termios.BRKINT
        | termios.PARMRK
        | termios.ISTRIP
        | termios.INLCR
        | termios.IGNCR
        | termios.ICRNL
        | termios.IXON
        | termios.IXOFF
    )
    oflag &= ~termios.OPOST
    lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON | termios.ISIG | termios.IEXTEN)
    cflag &= ~(termios.CSIZE | termios.PARENB | termios.CSTOPB)
    cflag |= termios.CS8 | termios.CREAD | termios.CLOCAL
    if hasattr(termios, "CRTSCTS"):
        cflag &= ~termios.CRTSCTS
    speed = BAUD_RATES[baud]
    termios.tcsetattr(fd, termios.TCSANOW, [iflag, oflag, cflag, lflag, speed, speed, cc])


def write_all(fd: int, data: bytes, timeout: float) -> None:
    """Write every byte within `timeout` seconds, or raise WriteTimeout."""
    deadline = time.monotonic() + timeout
    while data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise WriteTimeout
        _, writable, _ = select.select([], [fd], [], remaining)
        if not writable:
            raise WriteTimeout
        try:
            data = data[os.write(fd, data) :]
        except BlockingIOError:
            continue


class SerialRelayAdapter:
    """Pulses one channel of an LCUS relay board on a serial port."""

    name = "serial"

    def __init__(
        self,
        port: str,
        channel: int = 1,
        pulse: float = 1.0,
        baud: int = 9600,
        timeout: float = 2.0,
        sleep=time.sleep,
    ) -> None:
        if baud not in BAUD_RATES:
            raise ValueError(f"unsupported baud rate {baud}")
        if not 1 <= channel <= 8:
            raise ValueError(f"relay channel {channel} is not 1-8")
        self.port = port
        self.channel = channel
        self.pulse = pulse
        self.baud = baud
        self.timeout = timeout
        self._sleep = sleep

    def describe(self) -> str:
        """Which port and channel, for the log."""
        return f"serial relay {self.port} channel {self.channel} ({self.baud} baud)"

    def open(self, command_id: str) -> Result:
        """Relay on, hold for the pulse, relay off."""
        on, off = frame(self.channel, True), frame(self.channel, False)
        try:
            fd = os.open(self.port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as exc:
            return Result(FAILED, f"无法打开串口 {self.port}：{exc.strerror or exc}")
        try:
            try:
                configure(fd, self.baud)
            except termios.error as exc:
                return Result(FAILED, f"{self.port} 不是串口：{exc}")
            try:
                write_all(fd, on, self.timeout)
            except WriteTimeout:
                return Result(
                    TIMEOUT, f"串口 {self.port} {self.timeout:g} 秒内写不进去（接线或驱动故障）"
                )
            except OSError as exc:
                return Result(FAILED, f"写串口 {self.port} 失败：{exc.strerror or exc}")
            self._sleep(self.pulse)
            try:
                write_all(fd, off, self.timeout)
            except (WriteTimeout, OSError) as exc:
                return Result(
                    FAILED,
                    f"已发送 {hex_bytes(on)}，但断开继电器失败（{type(exc).__name__}）：请检查道闸",
                )
            return Result(OPENED, f"{hex_bytes(on)} → {self.pulse:g} 秒 → {hex_bytes(off)}")
        finally:
            with contextlib.suppress(OSError):
                os.close(fd)
