"""The agent's loop: poll, claim, execute at most once, report; reconnect with backoff.

At most once, even when the connection drops: a command is executed only after the server
accepted this agent's claim (the server gives each command to one claim, and refuses any
claim after its 10 s), and only if its id is not in the state file's executed ids, where it
is written, durably, before the device is driven. A result that cannot be reported is kept
in the state file and reported after the reconnect; a command found expired, by the server or
by the agent's own clock, is never executed.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable

from xgm.gateagent.adapters import Adapter, Result
from xgm.gateagent.server import (
    Command,
    Refused,
    ServerClient,
    ServerUnavailable,
)
from xgm.gateagent.state import AgentState

log = logging.getLogger("xgm.gateagent")

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0


def backoff_delay(failures: int, rng: Callable[[], float] = random.random) -> float:
    """Seconds to wait after `failures` failed attempts in a row: 1, 2, 4 ... 30, with jitter."""
    base = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, failures - 1))
    return base * (0.5 + rng() / 2)


class Stop(Exception):
    """Raised by the signal handler to leave the loop between commands."""


class Runner:
    """One paired agent: its server client, adapter and state."""

    def __init__(
        self,
        server: ServerClient,
        adapter: Adapter,
        state: AgentState,
        wait: float = 25.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.server = server
        self.adapter = adapter
        self.state = state
        self.wait = wait
        self.clock = clock
        self.sleep = sleep
        self.failures = 0
        #: True while a command is between its claim and its recorded result.
        self.busy = False
        self.stopping = False

    def recover(self) -> None:
        """After a restart: a command that was executing when the agent died has no known result."""
        for key, item in list(self.state.executed.items()):
            if item.outcome is None:
                log.warning("指令 %s 执行中开闸器重启，结果未知，按“未确认”回报", key)
                self.state.mark_result(key, "unconfirmed", "开闸器执行中重启，道闸是否抬起未知")

    def run(self) -> None:
        """Poll until stopped; raises Revoked when the server refuses the credentials."""
        self.recover()
        while not self.stopping:
            try:
                self.step()
            except Stop:
                return
            except ServerUnavailable as exc:
                self.failures += 1
                delay = backoff_delay(self.failures)
                log.warning("与服务器的连接中断（%s），%.1f 秒后重连", exc, delay)
                self.sleep(delay)
            else:
                if self.failures:
                    log.info("已重新连接服务器")
                self.failures = 0

    def step(self) -> None:
        """One round: report what is pending, one long poll, handle what it carried."""
        self.report_pending()
        commands = self.server.poll(self.wait)
        received = self.clock()
        for command in commands:
            self.handle(command, received)

    def report_pending(self) -> None:
        """Report every result the server does not have yet (raises ServerUnavailable)."""
        for key, item in self.state.unreported():
            if item.outcome is None:
                continue  # being executed right now
            self._report(key, Result(item.outcome, item.answer))

    def _report(self, key: str, result: Result) -> None:
        try:
            self.server.report(key, result.outcome, result.answer)
        except Refused as exc:
            # The server will never take this result (it settled the command otherwise, or it
            # is not ours): keep the id, stop retrying.
            log.warning("服务器不接受指令 %s 的结果：%s", key, exc.message or exc.reason)
        self.state.mark_reported(key)

    def handle(self, command: Command, received: float) -> None:
        """Execute one command at most once, only before its expiry."""
        key = command.id
        if not KEY_RE.match(key) or command.action != "open":
            log.warning("忽略无法识别的指令 %r（%s）", key, command.action)
            return
        if key in self.state.executed:
            log.info("指令 %s 已经执行过，不再执行", key)
            return
        deadline = received + command.expires_in
        if self.clock() >= deadline:
            log.warning("指令 %s 已过期（10 秒内未能接收），未执行", key)
            return
        try:
            remaining = self.server.claim(key)
        except Refused as exc:
            log.info("指令 %s 不执行：%s", key, exc.message or exc.reason)
            return
        deadline = min(deadline, self.clock() + remaining)
        self.busy = True
        try:
            if self.clock() >= deadline:
                log.warning("指令 %s 接收时已过期，未执行", key)
                result = Result("expired", "开闸器接收时指令已过期，未执行")
                self.state.mark_result(key, result.outcome, result.answer)
            else:
                self.state.mark_started(key)
                started = self.clock()
                result = self.adapter.open(key)
                self.state.mark_result(key, result.outcome, result.answer)
                log.info(
                    "指令 %s：%s（%.2f 秒）%s",
                    key,
                    result.outcome,
                    self.clock() - started,
                    result.answer,
                )
        finally:
            self.busy = False
        self._report(key, result)
        if self.stopping:
            raise Stop
