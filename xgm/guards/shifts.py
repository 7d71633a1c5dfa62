"""The handover summary: what a guard did in the shift, counted by the features that know.

Guards sit below arrivals and complaints, so those register their figures here at start-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ShiftFigure:
    """One line of the handover summary: its order, key, label and how to count it."""

    order: int
    key: str
    label: object
    #: Called with the guard's GuardSession; returns the count since it started.
    count: Callable[[object], int]


_FIGURES: dict[str, ShiftFigure] = {}


def register_shift_figure(figure: ShiftFigure) -> None:
    """Add (or replace, by key) a figure of the handover summary."""
    _FIGURES[figure.key] = figure


def shift_summary(guard_session) -> list[tuple[str, str, int]]:
    """(key, label, count) of every registered figure for this shift, in order."""
    return [
        (f.key, str(f.label), int(f.count(guard_session) or 0))
        for f in sorted(_FIGURES.values(), key=lambda f: f.order)
    ]
