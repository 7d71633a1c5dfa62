"""The checks of a production environment: each returns what it found, by variable name."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from xgm.config import CITY_DEV_CLIENT_ID, CITY_DEV_SECRET, CITY_DEV_URL, normalise_database_url

INSECURE_SECRETS = {"", "dev", "secret", "changeme", "test-secret-key-not-for-production"}
INTEGERS = (
    "XGM_DB_POOL_SIZE",
    "XGM_DB_MAX_OVERFLOW",
    "XGM_DB_POOL_RECYCLE",
    "XGM_PROXY_HOPS",
    "XGM_COMPLAINT_SWEEP_INTERVAL",
    "XGM_COMPLAINT_POLL_INTERVAL",
    "XGM_WORKER_MAINTENANCE_INTERVAL",
    "XGM_WORKER_TTL",
    "WEB_CONCURRENCY",
)
NUMBERS = (
    "XGM_CITY_CONNECT_TIMEOUT",
    "XGM_CITY_READ_TIMEOUT",
    "XGM_SESSION_IDLE_TIMEOUT",
    "XGM_SESSION_MAX_AGE",
    "XGM_AGENT_RECHECK",
)


@dataclass(frozen=True)
class Result:
    """One finding: `level` is ok, warning or error."""

    name: str
    level: str
    message: str

    @property
    def mark(self) -> str:
        """A one-character mark for the terminal."""
        return {"ok": "ok  ", "warning": "WARN", "error": "FAIL"}[self.level]


def _ok(name, message="ok"):
    return Result(name, "ok", message)


def _error(name, message):
    return Result(name, "error", message)


def _warn(name, message):
    return Result(name, "warning", message)


def _local_host(host: str | None) -> bool:
    return (host or "") in {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


def static_checks(env: Mapping[str, str]) -> Iterator[Result]:
    """What can be told from the values alone."""
    if env.get("XGM_ENV") != "production":
        yield _error("XGM_ENV", "not 'production': development defaults would be used")
    else:
        yield _ok("XGM_ENV")
    secret = env.get("SECRET_KEY", "")
    if not secret:
        yield _error("SECRET_KEY", "not set: sessions could not be signed")
    elif secret in INSECURE_SECRETS or len(secret) < 32:
        yield _error("SECRET_KEY", "too short or a known value: use 32+ random characters")
    else:
        yield _ok("SECRET_KEY")
    database = env.get("DATABASE_URL", "")
    if not database:
        yield _error("DATABASE_URL", "not set: the embedded SQLite file would be used")
    elif not normalise_database_url(database).startswith("postgresql+psycopg://"):
        yield _error("DATABASE_URL", "not a postgresql:// URL: production runs on PostgreSQL")
    else:
        yield _ok("DATABASE_URL")
    replica = env.get("XGM_DATABASE_REPLICA_URL", "")
    if replica and not normalise_database_url(replica).startswith("postgresql+psycopg://"):
        yield _error("XGM_DATABASE_REPLICA_URL", "not a postgresql:// URL")
    if not env.get("REDIS_URL"):
        yield _error("REDIS_URL", "not set: redis://127.0.0.1:6379/0 would be used")
    elif urlsplit(env["REDIS_URL"]).scheme not in ("redis", "rediss", "unix"):
        yield _error("REDIS_URL", "not a redis://, rediss:// or unix:// URL")
    else:
        yield _ok("REDIS_URL")
    public = urlsplit(env.get("XGM_PUBLIC_URL", ""))
    if public.scheme != "https" or _local_host(public.hostname):
        yield _error(
            "XGM_PUBLIC_URL",
            "must be the public https:// address (it is printed in the gate QR codes)",
        )
    else:
        yield _ok("XGM_PUBLIC_URL")
    city = env.get("XGM_CITY_URL", CITY_DEV_URL).rstrip("/")
    if city == CITY_DEV_URL or urlsplit(city).scheme != "https":
        yield _error("XGM_CITY_URL", "the simulator or not https://: set the city platform's URL")
    else:
        yield _ok("XGM_CITY_URL")
    if env.get("XGM_CITY_CLIENT_ID", CITY_DEV_CLIENT_ID) == CITY_DEV_CLIENT_ID:
        yield _error("XGM_CITY_CLIENT_ID", "the simulator's id: set the one the city issued")
    else:
        yield _ok("XGM_CITY_CLIENT_ID")
    if env.get("XGM_CITY_SECRET", CITY_DEV_SECRET) in (CITY_DEV_SECRET, ""):
        yield _error("XGM_CITY_SECRET", "the simulator's secret: set the one the city issued")
    else:
        yield _ok("XGM_CITY_SECRET")
    yield from _metrics(env)
    for name in INTEGERS:
        value = env.get(name)
        if value is not None and not (value.strip().isdigit()):
            yield _error(name, f"{value!r} is not a whole number >= 0")
    for name in NUMBERS:
        value = env.get(name)
        if value is not None:
            try:
                if float(value) <= 0:
                    raise ValueError
            except ValueError:
                yield _error(name, f"{value!r} is not a positive number")
    if env.get("XGM_DB_PREPARED_STATEMENTS", "1") not in ("0", "1"):
        yield _error("XGM_DB_PREPARED_STATEMENTS", "must be 0 (behind pgbouncer) or 1")
    elif urlsplit(database).port == 6432 and env.get("XGM_DB_PREPARED_STATEMENTS", "1") != "0":
        yield _warn(
            "XGM_DB_PREPARED_STATEMENTS",
            "DATABASE_URL uses port 6432 (pgbouncer?): set 0 for transaction pooling",
        )
    directory = env.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and not (os.path.isdir(directory) and os.access(directory, os.W_OK)):
        yield _error("PROMETHEUS_MULTIPROC_DIR", f"{directory} is not a writable directory")


def _metrics(env: Mapping[str, str]) -> Iterator[Result]:
    token = env.get("XGM_METRICS_TOKEN", "")
    networks = env.get("XGM_METRICS_NETWORKS", "")
    bad = []
    for item in (part.strip() for part in networks.split(",")):
        if item:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                bad.append(item)
    if bad:
        yield _error("XGM_METRICS_NETWORKS", "not networks: " + ", ".join(bad))
    if token and len(token) < 24:
        yield _error("XGM_METRICS_TOKEN", "shorter than 24 characters")
    if not token and not networks:
        yield _warn("XGM_METRICS_TOKEN", "neither it nor XGM_METRICS_NETWORKS: /metrics is off")


def connection_checks(env: Mapping[str, str]) -> Iterator[Result]:
    """The database (at the migrations' head), the replica (in recovery) and Redis answer."""
    import psycopg
    from redis import Redis

    from xgm.probes.readiness import migration_heads, schema_state

    database = env.get("DATABASE_URL", "")
    if database.startswith(("postgres://", "postgresql")):
        dsn = normalise_database_url(database).replace("postgresql+psycopg://", "postgresql://")
        try:
            with psycopg.connect(dsn, connect_timeout=3, prepare_threshold=None) as conn:
                rows = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
            heads, state = migration_heads(), schema_state(rows)
            if state == "behind":
                yield _error(
                    "DATABASE_URL",
                    f"schema at {','.join(sorted(rows)) or 'none'}, head is "
                    f"{','.join(sorted(heads))}: run `flask --app wsgi db upgrade`",
                )
            elif state == "ahead":
                yield _warn("DATABASE_URL", "answers, schema of a newer release (migrated first)")
            else:
                yield _ok("DATABASE_URL", "answers, schema at head")
        except psycopg.Error as exc:
            yield _error("DATABASE_URL", f"cannot connect or read the schema: {exc}".strip())
    replica = env.get("XGM_DATABASE_REPLICA_URL", "")
    if replica.startswith(("postgres://", "postgresql")):
        dsn = normalise_database_url(replica).replace("postgresql+psycopg://", "postgresql://")
        try:
            with psycopg.connect(dsn, connect_timeout=3, prepare_threshold=None) as conn:
                standby = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            if standby:
                yield _ok("XGM_DATABASE_REPLICA_URL", "answers, a standby")
            else:
                yield _warn("XGM_DATABASE_REPLICA_URL", "answers but is not a standby")
        except psycopg.Error as exc:
            yield _error("XGM_DATABASE_REPLICA_URL", f"cannot connect: {exc}".strip())
    if env.get("REDIS_URL"):
        client = Redis.from_url(env["REDIS_URL"], socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
            yield _ok("REDIS_URL", "answers")
        except Exception as exc:  # noqa: BLE001 - any failure is the finding
            yield _error("REDIS_URL", f"does not answer: {exc}")
        finally:
            client.close()


def run_checks(env: Mapping[str, str], connect: bool = True) -> list[Result]:
    """Every finding, static ones first; connections only when asked (and the URLs are set)."""
    results = list(static_checks(env))
    if connect:
        results.extend(connection_checks(env))
    return results
