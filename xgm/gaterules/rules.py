"""A gate's rules as pure functions: rider hours, and what the poster and the pass say of them."""

from __future__ import annotations

import re
from datetime import time

from flask_babel import gettext as _

HHMM_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_hhmm(text: str) -> time | None:
    """ "07:30" -> time(7, 30); None for anything else ("", "7:30", "24:00")."""
    match = HHMM_RE.match(text or "")
    return time(int(match.group(1)), int(match.group(2))) if match else None


def has_hours(hours_from: str, hours_to: str) -> bool:
    """True when the gate limits the riders' hours (both ends set and different)."""
    start, end = parse_hhmm(hours_from), parse_hhmm(hours_to)
    return start is not None and end is not None and start != end


def within_hours(hours_from: str, hours_to: str, at: time) -> bool:
    """True when `at` (China time) is inside the gate's rider hours; always without hours.

    From is inclusive, to exclusive; a from later than the to spans midnight (22:00-06:00)."""
    if not has_hours(hours_from, hours_to):
        return True
    start, end = parse_hhmm(hours_from), parse_hhmm(hours_to)
    at = at.replace(second=0, microsecond=0)
    if start < end:
        return start <= at < end
    return at >= start or at < end


def hours_refusal(gate, at: time) -> str:
    """The reason a scan at `at` is refused by the gate's hours ("" when it is not).

    `gate` has hours_from, hours_to and other_gate (a GateInfo)."""
    if within_hours(gate.hours_from, gate.hours_to, at):
        return ""
    reason = _("本门岗骑手通行时间为 %(start)s-%(end)s", start=gate.hours_from, end=gate.hours_to)
    if gate.other_gate:
        reason += _("，请走%(gate)s", gate=gate.other_gate)
    return reason


def rule_lines(gate, other_gate: str = "") -> list[str]:
    """The gate's rules as short lines for the poster and the pass (a Gate or a GateInfo;
    `other_gate` names the nearest other gate, else the GateInfo's is used)."""
    lines = []
    if has_hours(gate.hours_from, gate.hours_to):
        lines.append(_("骑手通行时间 %(start)s-%(end)s", start=gate.hours_from, end=gate.hours_to))
    if gate.ebike == "ride":
        lines.append(_("电动车可骑入"))
    elif gate.ebike == "park":
        where = gate.ebike_where
        lines.append(_("电动车请停放在%(where)s", where=where) if where else _("电动车请停在门外"))
    if gate.rule_note:
        lines.append(gate.rule_note)
    other = other_gate or getattr(gate, "other_gate", "")
    if isinstance(other, str) and other:
        lines.append(_("最近的其他门岗：%(gate)s", gate=other))
    return lines
