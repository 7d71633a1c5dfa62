"""The onboarding checklist: each feature registers its own step, so no step links nowhere."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One onboarding step: label, where to do it, and whether it is done for the tenant."""

    order: int
    key: str
    label: str
    endpoint: str
    is_done: Callable[[], bool]
    hint: str = ""


_STEPS: dict[str, Step] = {}


def register_step(step: Step) -> None:
    """Add a step to the checklist (features call this when their blueprint is registered)."""
    _STEPS[step.key] = step


def steps() -> list[Step]:
    """Every registered step, in order."""
    return sorted(_STEPS.values(), key=lambda s: s.order)
