"""Marks on the guard's cards (已投诉, 已加入黑名单): filled in by the features that know them.

The scan's own card (feed.arrival_json) carries none, so the scan path queries nothing more;
the console's list and its decision answers add them, and the phone keeps them once shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import or_, select

from tenants import utcnow
from xgm.blocks.models import Block
from xgm.extensions import db

#: (flag, function of the arrivals -> the ids of those that carry it); complaints registers one.
_SOURCES: list[tuple[str, Callable[[list], set[int]]]] = []


def register_card_flag(flag: str, source: Callable[[list], set[int]]) -> None:
    """A higher feature names a flag and how to find the arrivals that carry it."""
    _SOURCES[:] = [s for s in _SOURCES if s[0] != flag] + [(flag, source)]


def blocked_arrivals(arrivals: list) -> set[int]:
    """The arrivals whose rider is blocked now at the arrival's compound (or everywhere)."""
    codes = {a.rider_code for a in arrivals if a.rider_code}
    if not codes:
        return set()
    now = utcnow()
    rows = db.session.execute(
        select(Block.rider_code, Block.compound_id).where(
            Block.rider_code.in_(codes),
            Block.lifted_at.is_(None),
            or_(Block.ends_at.is_(None), Block.ends_at > now),
        )
    ).all()
    return {
        a.id
        for a in arrivals
        if any(code == a.rider_code and cid in (None, a.compound_id) for code, cid in rows)
    }


def card_flags(arrivals: Iterable) -> dict[int, list[str]]:
    """{arrival id: its flags} for the arrivals that carry any."""
    arrivals = list(arrivals)
    flags: dict[int, list[str]] = {}
    if not arrivals:
        return flags
    for flag, source in [("blocked", blocked_arrivals), *_SOURCES]:
        for arrival_id in source(arrivals):
            flags.setdefault(arrival_id, []).append(flag)
    return flags
