"""Redis connection and the RQ queues the app uses (complaints, printables, default)."""

from flask import current_app
from redis import Redis
from rq import Queue

QUEUE_NAMES = ("complaints", "printables", "default")


def get_redis() -> Redis:
    """The app's Redis client (one connection pool per process and URL)."""
    ext = current_app.extensions.setdefault("xgm_redis", {})
    url = current_app.config["REDIS_URL"]
    if url not in ext:
        ext[url] = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    return ext[url]


def get_queue(name: str = "default") -> Queue:
    """An RQ queue on the app's Redis, with the JSON serializer (never pickle)."""
    from rq.serializers import JSONSerializer

    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}")
    prefix = current_app.config.get("XGM_QUEUE_PREFIX", "")
    return Queue(prefix + name, connection=get_redis(), serializer=JSONSerializer)
