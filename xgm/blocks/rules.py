"""Whether a rider is blocked, and adding a block (managers' page and guards' deny button)."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import or_, select

from tenants import utcnow
from xgm.blocks.cache import may_be_blocked
from xgm.blocks.models import Block
from xgm.extensions import db

#: Run with each new block right after it is committed (passes: the rider's waiting passes at
#: the blocked compounds turn refused). A registry, so this package needs nothing above it.
_ON_ADDED: list[Callable[[Block], None]] = []


def on_block_added(handler: Callable[[Block], None]) -> None:
    """Call handler(block) after every committed new block (registering twice is a no-op)."""
    if handler not in _ON_ADDED:
        _ON_ADDED.append(handler)


def active_block(rider_code: str, compound_id: int, prefetched=None) -> Block | None:
    """The block in force against this rider at this compound (for the current tenant), if any.

    `prefetched`: see blocks.cache.may_be_blocked.
    """
    if not rider_code:
        return None
    if not may_be_blocked(rider_code, prefetched):  # the tenant's cached set of codes says no
        return None
    now = utcnow()
    return db.session.scalars(
        select(Block)
        .where(
            Block.rider_code == rider_code,
            or_(Block.compound_id.is_(None), Block.compound_id == compound_id),
            Block.lifted_at.is_(None),
            or_(Block.ends_at.is_(None), Block.ends_at > now),
        )
        .order_by(Block.compound_id.is_(None), Block.created_at.desc())
        .limit(1)
    ).first()


def add_block(
    rider_code: str,
    reason: str,
    *,
    compound_id: int | None,
    ends_at: datetime | None,
    by_kind: str,
    by_id: int | None,
    by_name: str,
    rider_name: str = "",
) -> Block:
    """Add a block and commit it (with whatever else the session holds); then tell the
    registered handlers."""
    block = Block(
        rider_code=rider_code,
        rider_name=rider_name[:50],
        compound_id=compound_id,
        reason=reason[:200],
        ends_at=ends_at,
        created_by_kind=by_kind,
        created_by_id=by_id,
        created_by_name=by_name[:50],
    )
    db.session.add(block)
    db.session.commit()
    for handler in _ON_ADDED:
        handler(block)
    return block
