"""Adapters: how the agent drives one kind of barrier or door controller.

Each adapter has `name` and `open(command_id) -> Result`, never raises for a device problem
(it answers failed or timeout with what the device said), and bounds its own time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: What an adapter can answer.
OPENED, FAILED, TIMEOUT = "opened", "failed", "timeout"


@dataclass(frozen=True)
class Result:
    """What the device did with an "open": opened, failed or timeout, and its answer."""

    outcome: str
    answer: str


class Adapter(Protocol):
    """A barrier or door controller the agent can open."""

    name: str

    def open(self, command_id: str) -> Result:
        """Open the barrier once; never raises for device errors."""
        ...

    def describe(self) -> str:
        """Where the device is, for the log (no secrets)."""
        ...
