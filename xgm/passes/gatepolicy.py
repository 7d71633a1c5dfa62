"""The gate's own rules at scan time: rider hours refuse a scan, automatic admission admits one.

Pure decisions on the scan's GateInfo (cached with the gate token: no query of its own), so a
gate without rules costs the scan nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chinatime import CN_TZ
from xgm.gaterules.rules import hours_refusal
from xgm.passes.scanning import Verdict


def auto_admissible(verdict: Verdict) -> bool:
    """True for a rider the gate may admit without a guard: active, unblocked, verified by the
    city just now (an offline verification, a refusal or a manual registration never is)."""
    return (
        not verdict.refused
        and verdict.status == "active"
        and verdict.card is not None
        and not verdict.offline
    )


def apply_gate_rules(gate, verdict: Verdict, now: datetime | None = None) -> Verdict:
    """The verdict after the gate's rules: refused outside its rider hours (with the reason and
    the other gate), admitted at once where it admits automatically."""
    if verdict.refused:
        return verdict
    if gate.hours_from or gate.hours_to:
        at = (now or datetime.now(CN_TZ)).astimezone(CN_TZ).time()
        reason = hours_refusal(gate, at)
        if reason:
            return replace(verdict, refusal="hours", reason=reason)
    if gate.auto_admit and auto_admissible(verdict):
        return replace(verdict, auto=True)
    return verdict
