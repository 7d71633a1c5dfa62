"""Helpers for the features' offline watchers: the wording of "last seen" in Beijing time."""

from datetime import datetime

from chinatime import CN_OFFSET


def last_seen_detail(at: datetime | None) -> str:
    """ "最后在线 MM-DD HH:MM" (Beijing time) or "从未上线"."""
    if at is None:
        return "从未上线"
    return "最后在线 " + (at + CN_OFFSET).strftime("%m-%d %H:%M")
