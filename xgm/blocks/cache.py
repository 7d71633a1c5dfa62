"""Which rider codes a tenant has blocks against, cached in Redis so most scans skip the SELECT.

Per tenant, a Redis set holds every rider code with a block that was neither lifted nor ended
when the set was built, plus "" (the "built" marker, never a rider code). A rider whose code is
not in the set has no block in force: the scan skips the blocklist query. A code in the set
only means "ask the database" (active_block's query decides, compound and end date included),
so a block that ended since is still judged right.

    xgm:blocks:gen                          global generation (writes of unknown tenant)
    xgm:blocks:gen:<tenant_id>              the tenant's generation
    xgm:blocks:<tenant_id>:<global>:<own>   the set, built for those generations

Every committed change to a Block through the ORM (a manager's or a guard's new block, a lift;
bulk ORM UPDATE/DELETE too) bumps its tenant's generation right after the commit (xgm.committed),
so the next scan of that tenant rebuilds the set from the database. A rebuild
that read the database before a change can only store its set under the old generation, where
nobody reads it. The set expires after XGM_BLOCK_CACHE_TTL seconds (60): the safety net for
writes that bypass the ORM or a bump lost while Redis was unreachable. Without Redis every scan
asks the database, as before.
"""

from __future__ import annotations

import logging

import redis
from flask import current_app
from sqlalchemy import or_, select

from tenants import current_tenant_id, in_unscoped, utcnow
from xgm.blocks.models import Block
from xgm.committed import on_committed_change
from xgm.extensions import db
from xgm.queues import get_redis

log = logging.getLogger(__name__)

GLOBAL_GEN_KEY = "xgm:blocks:gen"
TENANT_GEN_KEY = "xgm:blocks:gen:"
SET_PREFIX = "xgm:blocks:"
BUILT = ""

#: The set's generation suffix and whether the rider is in it (-1: no set built for it yet).
#: Sent with EVAL (Redis keeps it compiled), which a redis-py pipeline sends as it is.
_CHECK = """
local gen = (redis.call('GET', KEYS[1]) or '0') .. ':' .. (redis.call('GET', KEYS[2]) or '0')
local key = ARGV[1] .. gen
if redis.call('EXISTS', key) == 0 then return {gen, -1} end
return {gen, redis.call('SISMEMBER', key, ARGV[2])}
"""


def _ttl() -> int:
    return max(1, int(current_app.config["XGM_BLOCK_CACHE_TTL"]))


def _blocked_codes() -> list[str]:
    """Rider codes with a block in force now, for the current tenant (through the tenant wall)."""
    now = utcnow()
    return list(
        db.session.scalars(
            select(Block.rider_code)
            .where(Block.lifted_at.is_(None), or_(Block.ends_at.is_(None), Block.ends_at > now))
            .distinct()
        )
    )


def queue_block_check(pipe, tenant_id: int, rider_code: str) -> None:
    """Queue the set check of a rider for a tenant on a Redis pipeline (for may_be_blocked)."""
    prefix = f"{SET_PREFIX}{tenant_id}:"
    pipe.eval(_CHECK, 2, GLOBAL_GEN_KEY, f"{TENANT_GEN_KEY}{tenant_id}", prefix, rider_code)


def may_be_blocked(rider_code: str, prefetched: tuple[int, object] | None = None) -> bool:
    """False when the current tenant certainly has no block in force against this rider.

    `prefetched`: (tenant id, reply of queue_block_check's command); used only when it was
    made for this rider and the current tenant, else the set is checked now.
    """
    tenant_id = current_tenant_id()
    if tenant_id is None or in_unscoped():
        return True  # the caller's query decides (and fails closed without a tenant)
    client = get_redis()
    prefix = f"{SET_PREFIX}{tenant_id}:"
    try:
        if prefetched is not None and prefetched[0] == tenant_id:
            reply = prefetched[1]
        else:
            reply = client.eval(
                _CHECK, 2, GLOBAL_GEN_KEY, f"{TENANT_GEN_KEY}{tenant_id}", prefix, rider_code
            )
        if isinstance(reply, Exception):
            raise reply
        generation, member = reply
    except redis.RedisError:
        log.warning("blocklist cache unavailable; asking the database")
        return True
    if member != -1:
        return bool(member)
    codes = _blocked_codes()
    try:
        pipe = client.pipeline(transaction=True)
        key = prefix + generation.decode()
        pipe.sadd(key, BUILT, *codes)
        pipe.expire(key, _ttl())
        pipe.execute()
    except redis.RedisError:
        pass
    return rider_code in codes


def forget_blocks(tenant_ids) -> None:
    """Rebuild the tenants' sets on their next scan ("*": every tenant's)."""
    try:
        pipe = get_redis().pipeline(transaction=False)
        for tenant_id in tenant_ids:
            pipe.incr(GLOBAL_GEN_KEY if tenant_id == "*" else f"{TENANT_GEN_KEY}{tenant_id}")
        pipe.execute()
    except redis.RedisError:
        log.warning("could not retire the blocklist cache; sets live until their TTL")


# Every committed change to a block makes its tenant's next scan rebuild the set.
on_committed_change((Block,), forget_blocks)
