"""Gate tokens to live gates, cached in Redis: every rider's scan starts here.

A scan names a gate only by its token. resolve_token() answers the active gate of a
non-archived compound that carries the token, in any tenant (the token alone says which
tenant), as small frozen records (GateInfo, CompoundInfo) rather than ORM objects. A gate of a
suspended company resolves too, marked `paused` (the scan answers with a page saying so).

The answer is cached in Redis for XGM_GATE_CACHE_TTL seconds (60) under a generation number:

    xgm:gates:gen               the generation, INCR'ed after every committed gate/compound change
    xgm:gates:<gen>:<token>     JSON of the gate and its compound

Any committed change to a Gate, Compound or Tenant row made through the ORM (token rotation,
deactivation, rename, archive or restore, edit, a new gate; bulk ORM UPDATE/DELETE too) bumps
the generation right after the commit (xgm.committed), which retires every cached
entry at once: the writer does not need to know which tokens it affects, and a lookup that read
the database before the change can only store its answer under the old generation, where
nobody reads it. Office changes are rare, scans are not. The TTL is the safety net for writes
that bypass the ORM (raw SQL) or a bump lost while Redis was unreachable.
Only live gates are cached: unknown, inactive and archived tokens always ask the database.
The cached answer is exactly what the database query returns for that token (including its
tenant), so a token can never resolve to another tenant's gate.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass

import redis
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import aliased

from tenants import Tenant, unscoped
from xgm.committed import on_committed_change
from xgm.compounds.models import Compound, Gate, split_buildings
from xgm.extensions import db
from xgm.queues import get_redis

log = logging.getLogger(__name__)

GEN_KEY = "xgm:gates:gen"
ENTRY_PREFIX = "xgm:gates:"

#: The current generation and the entry of a token under it, in one round trip. Sent with
#: EVAL (Redis keeps it compiled): EVALSHA in a redis-py pipeline costs a SCRIPT EXISTS trip.
_READ = """
local gen = redis.call('GET', KEYS[1]) or '0'
return {gen, redis.call('GET', ARGV[1] .. gen .. ':' .. ARGV[2])}
"""
#: token -> tenant id of tokens resolved in this process. A token belongs to one tenant for
#: good (rotation makes a new token), so this only ever says which tenant's caches a scan of
#: the token will need; it never decides whether the token is live.
_TENANT_OF: dict[str, int] = {}
_TENANT_OF_MAX = 50_000


@dataclass(frozen=True)
class GateInfo:
    """What a scan needs of a gate (read-only; not an ORM object)."""

    id: int
    tenant_id: int
    compound_id: int
    name: str
    token: str
    #: The company is suspended by the platform: its gates answer scans with a "paused" page.
    paused: bool = False
    # The gate's rules (xgm.gaterules), defaulted so entries cached before them still parse.
    auto_admit: bool = False
    hours_from: str = ""
    hours_to: str = ""
    ebike: str = ""
    ebike_where: str = ""
    rule_note: str = ""
    #: The name of the nearest other gate ("" when none is set).
    other_gate: str = ""
    #: An NFC tag with the gate's URL was written (the poster shows the NFC mark).
    nfc: bool = False


@dataclass(frozen=True)
class CompoundInfo:
    """What a scan and the pass need of a compound (read-only; not an ORM object)."""

    id: int
    tenant_id: int
    name: str
    hotline: str
    buildings: str
    # The compound guide (xgm.guide), defaulted so entries cached before it still parse.
    amenity_station: str = ""
    amenity_water: str = ""
    amenity_charging: str = ""
    map_version: int = 0

    @property
    def building_list(self) -> list[str]:
        """The buildings, one per non-empty line."""
        return split_buildings(self.buildings)


def _ttl() -> int:
    return max(1, int(current_app.config["XGM_GATE_CACHE_TTL"]))


def _from_json(raw: bytes, token: str) -> tuple[GateInfo, CompoundInfo] | None:
    try:
        data = json.loads(raw)
        gate = GateInfo(token=token, **data["g"])
        compound = CompoundInfo(**data["c"])
    except (TypeError, ValueError, KeyError):
        return None
    return gate, compound


_GATE_FIELDS = [f for f in GateInfo.__dataclass_fields__ if f != "token"]
_COMPOUND_FIELDS = list(CompoundInfo.__dataclass_fields__)


def _to_json(gate: GateInfo, compound: CompoundInfo) -> str:
    g = {k: getattr(gate, k) for k in _GATE_FIELDS}
    c = {k: getattr(compound, k) for k in _COMPOUND_FIELDS}
    return json.dumps({"g": g, "c": c}, ensure_ascii=False, separators=(",", ":"))


def _from_database(token: str) -> tuple[GateInfo, CompoundInfo] | None:
    """The live gate carrying this token, from the database (any tenant)."""
    other = aliased(Gate)
    with unscoped():  # the token alone says which tenant the rider is visiting
        row = db.session.execute(
            select(Gate, Compound, other.name, Tenant.status)
            .join(
                Compound,
                (Compound.id == Gate.compound_id) & (Compound.tenant_id == Gate.tenant_id),
            )
            .join(Tenant, Tenant.id == Gate.tenant_id)
            .outerjoin(
                other,
                (other.id == Gate.other_gate_id)
                & (other.tenant_id == Gate.tenant_id)
                & (other.compound_id == Gate.compound_id)
                & other.active.is_(True),
            )
            .where(Gate.token == token, Gate.active.is_(True), Compound.archived.is_(False))
        ).first()
    if row is None:
        return None
    gate, compound, other_name, status = row
    return (
        GateInfo(
            gate.id,
            gate.tenant_id,
            gate.compound_id,
            gate.name,
            token,
            paused=status != "active",
            auto_admit=bool(gate.auto_admit),
            hours_from=gate.hours_from or "",
            hours_to=gate.hours_to or "",
            ebike=gate.ebike or "",
            ebike_where=gate.ebike_where or "",
            rule_note=gate.rule_note or "",
            other_gate=other_name or "",
            nfc=gate.nfc_tag_at is not None,
        ),
        CompoundInfo(
            compound.id,
            compound.tenant_id,
            compound.name,
            compound.hotline or "",
            compound.buildings or "",
            amenity_station=compound.amenity_station or "",
            amenity_water=compound.amenity_water or "",
            amenity_charging=compound.amenity_charging or "",
            map_version=compound.map_version or 0,
        ),
    )


def queue_token_read(pipe, token: str) -> None:
    """Queue the cache read of a token on a Redis pipeline; give its reply to resolve_token."""
    pipe.eval(_READ, 1, GEN_KEY, ENTRY_PREFIX, token)


def known_tenant(token: str) -> int | None:
    """The tenant of a token this process resolved before (a hint for prefetching), or None."""
    return _TENANT_OF.get(token)


def resolve_token(token: str, reply=None) -> tuple[GateInfo, CompoundInfo] | None:
    """The active gate of a live compound that carries this token, or None (any tenant).

    `reply`: what the command of queue_token_read() answered (an exception if it failed);
    without it the cache is read now.
    """
    client = get_redis()
    generation = None
    try:
        if reply is None:
            reply = client.eval(_READ, 1, GEN_KEY, ENTRY_PREFIX, token)
        if isinstance(reply, Exception):
            raise reply
        generation, raw = reply
        found = _from_json(raw, token) if raw is not None else None
        if found is not None:
            return _remember(found)
    except redis.RedisError:
        log.warning("gate cache unavailable; resolving %s... in the database", token[:6])
    found = _from_database(token)
    if found is not None and generation is not None:
        key = f"{ENTRY_PREFIX}{generation.decode()}:{token}"
        with contextlib.suppress(redis.RedisError):
            client.set(key, _to_json(*found), ex=_ttl())
    return _remember(found) if found is not None else None


def _remember(found: tuple[GateInfo, CompoundInfo]) -> tuple[GateInfo, CompoundInfo]:
    gate = found[0]
    if gate.token not in _TENANT_OF:
        if len(_TENANT_OF) >= _TENANT_OF_MAX:
            _TENANT_OF.clear()
        _TENANT_OF[gate.token] = gate.tenant_id
    return found


def forget_gates() -> None:
    """Retire every cached gate (call after committing a change to a gate or compound)."""
    try:
        get_redis().incr(GEN_KEY)
    except redis.RedisError:
        log.warning("could not retire the gate cache; entries live until their TTL")


# Any committed change to a gate, a compound or a company (suspended, resumed) retires every
# cached gate.
on_committed_change((Gate, Compound, Tenant), lambda tenant_ids: forget_gates())
