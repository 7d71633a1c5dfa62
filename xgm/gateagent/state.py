"""The agent's state file (--state FILE, mode 0600): its credentials and the commands it executed.

The file is rewritten whole, atomically (a temporary file in the same directory, fsync,
rename), so a power cut leaves the old or the new state, never half of one. Before an agent
drives its device it records the command id here; the id is what keeps a command that reaches
the agent twice (a dropped connection, a restart) from opening the gate twice.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

#: Executed command ids are kept this long (a command lives 10 s; the server re-offers an
#: unreported one for 30 s), and at most this many.
KEEP_SECONDS = 24 * 3600
KEEP_MAX = 2000


class StateError(Exception):
    """The state file cannot be read or written; the message says why, for the installer."""


@dataclass
class Executed:
    """One command the agent took: when, and its result once known (None while executing)."""

    at: float
    outcome: str | None = None
    answer: str = ""
    reported: bool = False


@dataclass
class AgentState:
    """Credentials (None until paired) and the executed commands, by id."""

    path: Path
    server: str = ""
    token: str | None = None
    agent_name: str = ""
    gate: str = ""
    compound: str = ""
    executed: dict[str, Executed] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike) -> AgentState:
        """Read the state file (an empty state when it does not exist yet)."""
        path = Path(path)
        state = cls(path)
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return state
        except OSError as exc:
            raise StateError(f"无法读取状态文件 {path}：{exc}") from exc
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise StateError(f"状态文件 {path} 已损坏（不是 JSON）：{exc}") from exc
        if not isinstance(data, dict):
            raise StateError(f"状态文件 {path} 已损坏")
        state.server = str(data.get("server") or "")
        token = data.get("token")
        state.token = token if isinstance(token, str) and token else None
        state.agent_name = str(data.get("agent_name") or "")
        state.gate = str(data.get("gate") or "")
        state.compound = str(data.get("compound") or "")
        for key, item in (data.get("executed") or {}).items():
            if isinstance(item, dict) and isinstance(item.get("at"), int | float):
                state.executed[str(key)] = Executed(
                    at=float(item["at"]),
                    outcome=item.get("outcome") if isinstance(item.get("outcome"), str) else None,
                    answer=str(item.get("answer") or ""),
                    reported=bool(item.get("reported")),
                )
        with contextlib.suppress(OSError):
            os.chmod(path, 0o600)  # an older file, or one copied by hand: credentials stay private
        return state

    def save(self) -> None:
        """Write the state atomically with mode 0600."""
        self._prune()
        data = {
            "server": self.server,
            "token": self.token,
            "agent_name": self.agent_name,
            "gate": self.gate,
            "compound": self.compound,
            "executed": {
                key: {
                    "at": item.at,
                    "outcome": item.outcome,
                    "answer": item.answer,
                    "reported": item.reported,
                }
                for key, item in self.executed.items()
            },
        }
        directory = self.path.parent if str(self.path.parent) else Path(".")
        try:
            directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".xgm-gateagent-", dir=directory)
            try:
                os.fchmod(fd, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    json.dump(data, out, ensure_ascii=False, indent=1)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise StateError(f"无法写入状态文件 {self.path}：{exc}") from exc

    def _prune(self) -> None:
        cutoff = time.time() - KEEP_SECONDS
        keep = sorted(
            ((k, v) for k, v in self.executed.items() if v.at >= cutoff or not v.reported),
            key=lambda kv: kv[1].at,
        )
        self.executed = dict(keep[-KEEP_MAX:])

    @property
    def paired(self) -> bool:
        """True when the state holds credentials."""
        return self.token is not None

    def forget_credentials(self) -> None:
        """Drop the credentials (revoked by the manager); executed ids are kept. Saves."""
        self.token = None
        self.save()

    def mark_started(self, key: str) -> None:
        """Record, durably, that this command is being executed. Call before driving the device."""
        self.executed[key] = Executed(at=time.time())
        self.save()

    def mark_result(self, key: str, outcome: str, answer: str) -> None:
        """Record a command's result (to report, and to keep if reporting must wait). Saves."""
        item = self.executed.setdefault(key, Executed(at=time.time()))
        item.outcome, item.answer, item.reported = outcome, answer, False
        self.save()

    def mark_reported(self, key: str) -> None:
        """The server has the command's result. Saves."""
        item = self.executed.get(key)
        if item is not None and not item.reported:
            item.reported = True
            self.save()

    def unreported(self) -> list[tuple[str, Executed]]:
        """Commands whose result the server does not have yet, oldest first."""
        return sorted(
            ((k, v) for k, v in self.executed.items() if not v.reported), key=lambda kv: kv[1].at
        )
