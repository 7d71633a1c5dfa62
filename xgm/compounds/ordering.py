"""Natural order of names: "2号门" before "10号门", as a person sorts them."""

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """A sort key comparing runs of digits by their value and the rest as text."""
    parts = _DIGITS.split(name or "")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p != "")
