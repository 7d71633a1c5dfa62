"""Tell every web process, through Redis, that a tenant's guard sessions may have ended.

Whatever ends a guard's right to see rider cards (deactivation, a PIN reset, a revoked phone,
a suspended company, a handover or another guard signing in on the phone) writes one of the
rows watched here. Right after such a commit, one Redis message on `recheck_channel` names the
tenants concerned ("*": not known, every tenant); each web process's arrival hub hands it to
the open guard streams of those tenants, which check their session again before sending
anything more. A lost message (Redis unreachable at that moment) is covered by the stream's
own periodic check and by its re-check whenever its subscriber reconnects.
"""

from __future__ import annotations

import logging

import redis
from flask import has_app_context

from tenants import Tenant
from xgm.committed import on_committed_change
from xgm.devices.models import Device
from xgm.guards.models import Guard, GuardSession
from xgm.queues import get_redis

log = logging.getLogger(__name__)


def recheck_channel(client: redis.Redis) -> str:
    """The pub/sub channel of "re-check your guard sessions" messages (one per Redis database)."""
    return f"xgm:{client.connection_pool.connection_kwargs.get('db', 0)}:guard-recheck"


def encode(tenant_ids: set) -> str:
    """The message body: tenant ids separated by spaces, or "*"."""
    if "*" in tenant_ids:
        return "*"
    return " ".join(str(t) for t in sorted(tenant_ids))


def decode(body: bytes | str) -> set[int] | None:
    """The tenant ids of a message; None means every tenant (also for an unreadable one)."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    try:
        ids = {int(part) for part in text.split()}
    except ValueError:
        return None
    return ids or None


def announce(tenant_ids: set) -> None:
    """Publish one re-check message for these tenants (after their change is committed)."""
    if not tenant_ids or not has_app_context():
        return
    client = get_redis()
    try:
        client.publish(recheck_channel(client), encode(tenant_ids))
    except redis.RedisError as exc:
        # The change is committed; open streams see it at their next periodic check.
        log.warning("could not announce ended guard sessions (%s)", exc)


on_committed_change((GuardSession, Guard, Device, Tenant), announce)
