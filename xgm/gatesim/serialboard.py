"""An LCUS-type USB relay board on a pseudo-terminal: the agent writes to `port` as to /dev/ttyUSB0.

The board reads 4-byte frames A0 <channel> <state> <checksum> (checksum = low byte of the sum
of the first three) and switches its relays; it never answers. `switches` records each
valid frame (channel, on, time); `bad_frames` counts frames with a wrong start byte or
checksum. `stall()` stops reading and fills the line, as a wedged USB adapter does, so the
agent's writes time out; `resume()` drains it again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import threading
import time
import tty
from dataclasses import dataclass, field


@dataclass
class Switch:
    """One relay switched by a valid frame."""

    channel: int
    on: bool
    at: float


@dataclass
class SerialBoardSim:
    """The simulated board behind a pty."""

    channels: int = 4
    switches: list[Switch] = field(default_factory=list)
    bad_frames: int = 0
    port: str = ""
    _master: int = -1
    _slave: int = -1
    _buffer: bytearray = field(default_factory=bytearray)
    _reading: threading.Event = field(default_factory=threading.Event)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> SerialBoardSim:
        """Open the pty and start reading frames."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # the agent sets raw mode too; a board's line is raw
        self.port = os.ttyname(self._slave)
        self._reading.set()
        self._thread = threading.Thread(target=self._run, name="serial-board-sim", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading and close the pty."""
        self._stopping.set()
        self._reading.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> SerialBoardSim:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def relay_on(self, channel: int) -> bool:
        """Whether a channel's relay is closed now."""
        state = False
        for switch in self.switches:
            if switch.channel == channel:
                state = switch.on
        return state

    def stall(self) -> None:
        """Stop reading and fill the line until a write would block."""
        self._reading.clear()
        time.sleep(0.05)  # let a read in progress finish
        flags = fcntl.fcntl(self._slave, fcntl.F_GETFL)
        fcntl.fcntl(self._slave, fcntl.F_SETFL, flags | os.O_NONBLOCK)
        # The kernel moves what was written on to the other end in the background: the line
        # is full only once writes have kept failing for a while.
        last_progress = time.monotonic()
        try:
            while time.monotonic() - last_progress < 0.3:
                try:
                    os.write(self._slave, b"\x00" * 1024)
                    last_progress = time.monotonic()
                except BlockingIOError:
                    time.sleep(0.01)
        finally:
            fcntl.fcntl(self._slave, fcntl.F_SETFL, flags)

    def resume(self) -> None:
        """Drain the line (dropping what stall() wrote) and read frames again."""
        while select.select([self._master], [], [], 0.05)[0]:
            os.read(self._master, 65536)
        self._buffer.clear()
        self._reading.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._reading.wait()
            if self._stopping.is_set():
                return
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready or not self._reading.is_set():
                continue
            try:
                data = os.read(self._master, 1024)
            except OSError:
                return
            self._buffer.extend(data)
            self._parse()

    def _parse(self) -> None:
        while len(self._buffer) >= 4:
            if self._buffer[0] != 0xA0:
                self.bad_frames += 1
                del self._buffer[0]
                continue
            start, channel, state, checksum = self._buffer[:4]
            del self._buffer[:4]
            if (start + channel + state) & 0xFF != checksum or state not in (0, 1):
                self.bad_frames += 1
                continue
            if 1 <= channel <= self.channels:
                self.switches.append(Switch(channel, bool(state), time.monotonic()))
