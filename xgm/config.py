"""Configuration read from the environment, with embedded defaults for development."""

import os
import secrets
from pathlib import Path

from chinatime import CN_ZONE_NAME

CITY_DEV_URL = "http://127.0.0.1:5055"
CITY_DEV_CLIENT_ID = "xgm-dev"
CITY_DEV_SECRET = "citysim-dev-secret"  # noqa: S105 - the simulator's dev-only value


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot run the product safely."""


def _instance_secret_key(instance_path: Path) -> str:
    """Return the development secret key, generating it once under instance/."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def engine_options(database_url: str, env) -> dict:
    """SQLAlchemy engine options.

    pool_pre_ping stays on (XGM_DB_PRE_PING=0 turns it off): it costs a round trip at each
    pool checkout, but after a database restart or failover no request fails on a dead pooled
    connection. On PostgreSQL the pool keeps XGM_DB_POOL_SIZE (20) connections per process:
    a gevent worker runs dozens of requests at once, and with SQLAlchemy's default of 5 every
    connection above it (up to XGM_DB_MAX_OVERFLOW, 10) was opened and closed again per
    request, a new PostgreSQL backend each time. Two workers hold at most 60 connections.
    Connections are replaced after XGM_DB_POOL_RECYCLE seconds (1800).
    """
    pre_ping = env.get("XGM_DB_PRE_PING", "1") != "0"
    if not database_url.startswith("postgresql"):
        return {"pool_pre_ping": pre_ping}
    options = {
        "pool_pre_ping": pre_ping,
        "pool_recycle": int(env.get("XGM_DB_POOL_RECYCLE", "1800")),
        "pool_size": int(env.get("XGM_DB_POOL_SIZE", "20")),
        "max_overflow": int(env.get("XGM_DB_MAX_OVERFLOW", "10")),
    }
    if env.get("XGM_DB_PREPARED_STATEMENTS", "1") == "0":
        # Behind pgbouncer in transaction pooling mode the next transaction may run on another
        # server connection, which lacks the statements psycopg prepared: prepare none.
        options["connect_args"] = {"prepare_threshold": None}
    return options


def normalise_database_url(url: str) -> str:
    """postgres:// and postgresql:// as SQLAlchemy's psycopg (3) URL; others unchanged."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def parse_networks(value: str) -> tuple:
    """ "10.0.0.0/8, 127.0.0.1" as ip_network objects; ConfigError names a bad entry."""
    import ipaddress

    networks = []
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigError(f"XGM_METRICS_NETWORKS: {item!r} is not a network ({exc})") from None
    return tuple(networks)


def environment() -> dict[str, str]:
    """The process environment: read here and nowhere else in xgm (load_config, check-config)."""
    return dict(os.environ)


def load_config(instance_path: Path, env=None) -> dict:
    """Build the app configuration from environment variables.

    Every setting the app takes from the environment is read here (or in the helpers below),
    with its default; the rest of xgm reads `app.config` (tests/test_config.py holds this).
    """
    env = environment() if env is None else env
    production = env.get("XGM_ENV", "development") == "production"
    secret_key = env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production (XGM_ENV=production) xgm refuses to start "
                "without it: set SECRET_KEY to a long random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        secret_key = _instance_secret_key(instance_path)
    database_url = normalise_database_url(
        env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'xgm.sqlite3'}"
    )
    replica_url = normalise_database_url(env.get("XGM_DATABASE_REPLICA_URL", "").strip())
    redis_url = env.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    public_url = env.get("XGM_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")
    return {
        "XGM_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, env),
        # Optional streaming replica for dashboards, oversight and exports (xgm/replica/).
        "XGM_DATABASE_REPLICA_URL": replica_url or None,
        # Behind a reverse proxy: how many proxies set X-Forwarded-For/-Proto (0: none).
        "XGM_PROXY_HOPS": int(env.get("XGM_PROXY_HOPS", "0")),
        # /metrics: a Bearer token, or client networks (comma-separated CIDRs); neither: 404.
        "XGM_METRICS_TOKEN": env.get("XGM_METRICS_TOKEN", ""),
        "XGM_METRICS_NETWORKS": parse_networks(env.get("XGM_METRICS_NETWORKS", "")),
        # One JSON line per request on stderr (logger xgm.requests); 0 turns it off.
        "XGM_REQUEST_LOG": env.get("XGM_REQUEST_LOG", "1") != "0",
        "REDIS_URL": redis_url,
        "XGM_PUBLIC_URL": public_url,
        "XGM_CITY_URL": env.get("XGM_CITY_URL", CITY_DEV_URL).rstrip("/"),
        "XGM_CITY_CLIENT_ID": env.get("XGM_CITY_CLIENT_ID", CITY_DEV_CLIENT_ID),
        "XGM_CITY_SECRET": env.get("XGM_CITY_SECRET", CITY_DEV_SECRET),
        "XGM_SUPERVISION_HOTLINE": env.get("XGM_SUPERVISION_HOTLINE", "0571-12345"),
        "XGM_CITY_CONNECT_TIMEOUT": float(env.get("XGM_CITY_CONNECT_TIMEOUT", "2")),
        "XGM_CITY_READ_TIMEOUT": float(env.get("XGM_CITY_READ_TIMEOUT", "5")),
        # The city link state shared by every web process (xgm/riders/link.py), in seconds.
        "XGM_CITY_LINK_TTL": float(env.get("XGM_CITY_LINK_TTL", "60")),
        "XGM_CITY_RECHECK": float(env.get("XGM_CITY_RECHECK", "2")),
        "XGM_CITY_LINK_CACHE": float(env.get("XGM_CITY_LINK_CACHE", "1")),
        # Complaint delivery (seconds): backoff base and cap, retry horizon, job lease, sweep.
        "XGM_COMPLAINT_RETRY_BASE": float(env.get("XGM_COMPLAINT_RETRY_BASE", "5")),
        "XGM_COMPLAINT_RETRY_MAX": float(env.get("XGM_COMPLAINT_RETRY_MAX", "900")),
        "XGM_COMPLAINT_RETRY_HORIZON": float(env.get("XGM_COMPLAINT_RETRY_HORIZON", "86400")),
        "XGM_COMPLAINT_LEASE": float(env.get("XGM_COMPLAINT_LEASE", "20")),
        "XGM_COMPLAINT_SWEEP_INTERVAL": int(env.get("XGM_COMPLAINT_SWEEP_INTERVAL", "30")),
        "XGM_COMPLAINT_SWEEP_GRACE": float(env.get("XGM_COMPLAINT_SWEEP_GRACE", "10")),
        "XGM_COMPLAINT_POLL_INTERVAL": int(env.get("XGM_COMPLAINT_POLL_INTERVAL", "600")),
        "XGM_COMPLAINT_QUIET_AFTER": float(env.get("XGM_COMPLAINT_QUIET_AFTER", "21600")),
        # How often the overdue sweep records complaints whose deadline passed (seconds).
        "XGM_COMPLAINT_OVERDUE_INTERVAL": int(env.get("XGM_COMPLAINT_OVERDUE_INTERVAL", "300")),
        # RQ worker: how often it checks its scheduler and the periodic jobs, its heartbeat TTL.
        "XGM_WORKER_MAINTENANCE_INTERVAL": int(env.get("XGM_WORKER_MAINTENANCE_INTERVAL", "60")),
        "XGM_WORKER_TTL": int(env.get("XGM_WORKER_TTL", "60")),
        # Gate agents: how often a waiting long poll looks at the database by itself (it is
        # woken through Redis at once; this covers a lost wake-up, within a command's 10 s).
        "XGM_AGENT_RECHECK": float(env.get("XGM_AGENT_RECHECK", "5")),
        # Sign-in sessions of office users, observers and operators (seconds): ended on the
        # server after this long unused (12 h) and this long after sign-in (14 days).
        "XGM_SESSION_IDLE_TIMEOUT": float(env.get("XGM_SESSION_IDLE_TIMEOUT", "43200")),
        "XGM_SESSION_MAX_AGE": float(env.get("XGM_SESSION_MAX_AGE", "1209600")),
        # Flask-Limiter: counters in Redis, shared by every web process.
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": env.get("XGM_RATELIMIT_PREFIX", "xgm-limits"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        # Cookies: HttpOnly and SameSite=Lax always; Secure when the public URL is HTTPS.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": public_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": public_url.startswith("https://"),
        "PREFERRED_URL_SCHEME": "https" if public_url.startswith("https://") else "http",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": CN_ZONE_NAME,
        "XGM_LANGUAGES": ["zh_Hans_CN", "en"],
        # argon2id cost: RFC 9106 low-memory profile in production; OWASP minimum for tests.
        "XGM_ARGON2_PROFILE": env.get("XGM_ARGON2_PROFILE", "rfc9106_low_memory"),
        # Real threads per web process for argon2 under gevent (each check holds 64 MiB).
        "XGM_HASH_THREADS": int(env.get("XGM_HASH_THREADS", "2")),
        # Fernet key of sealed secrets (xgm/sealed.py); empty: derived from SECRET_KEY.
        "XGM_SEAL_KEY": env.get("XGM_SEAL_KEY", ""),
        # Set (by gunicorn.conf.py, or for the RQ workers): Prometheus multiprocess mode.
        "PROMETHEUS_MULTIPROC_DIR": env.get("PROMETHEUS_MULTIPROC_DIR", ""),
        **_feature_settings(env),
    }


def _feature_settings(env) -> dict:
    """The features' own settings: periodic jobs, alerts, exports, history (seconds unless said)."""
    return {
        # Team alerts: retry delays of a failed bot delivery, the sweep and its grace, the only
        # bases a bot URL may start with, when an enrolled phone without requests is offline.
        "XGM_ALERT_RETRY_DELAYS": env.get("XGM_ALERT_RETRY_DELAYS", "10,60,300,1800"),
        "XGM_ALERT_SWEEP_INTERVAL": int(env.get("XGM_ALERT_SWEEP_INTERVAL", "60")),
        "XGM_ALERT_SWEEP_GRACE": int(env.get("XGM_ALERT_SWEEP_GRACE", "30")),
        "XGM_WECOM_URL": env.get("XGM_WECOM_URL", "https://qyapi.weixin.qq.com"),
        "XGM_DINGTALK_URL": env.get("XGM_DINGTALK_URL", "https://oapi.dingtalk.com"),
        "XGM_PHONE_OFFLINE_AFTER": int(env.get("XGM_PHONE_OFFLINE_AFTER", "1800")),
        # Exports with more rows than this run on the worker; background exports: sweep
        # interval, wait before a queued one is re-enqueued, silence of a running one, give-up.
        "XGM_EXPORT_SYNC_MAX_ROWS": int(env.get("XGM_EXPORT_SYNC_MAX_ROWS", "5000")),
        "XGM_EXPORT_SWEEP_INTERVAL": float(env.get("XGM_EXPORT_SWEEP_INTERVAL", "60")),
        "XGM_EXPORT_SWEEP_GRACE": float(env.get("XGM_EXPORT_SWEEP_GRACE", "30")),
        "XGM_EXPORT_LEASE": float(env.get("XGM_EXPORT_LEASE", "300")),
        "XGM_EXPORT_GIVE_UP": float(env.get("XGM_EXPORT_GIVE_UP", "7200")),
        # The history job (PostgreSQL partitions): interval, months ahead, months kept (0: all).
        "XGM_HISTORY_INTERVAL": int(env.get("XGM_HISTORY_INTERVAL", "21600")),
        "XGM_HISTORY_MONTHS_AHEAD": int(env.get("XGM_HISTORY_MONTHS_AHEAD", "3")),
        "XGM_HISTORY_KEEP_MONTHS": int(env.get("XGM_HISTORY_KEEP_MONTHS", "0")),
        # Periodic jobs: unattended arrivals, overstays, rider-data retention (daily), deletion
        # of closed company accounts.
        "XGM_UNATTENDED_SWEEP_INTERVAL": int(env.get("XGM_UNATTENDED_SWEEP_INTERVAL", "10")),
        "XGM_OVERSTAY_SWEEP_INTERVAL": int(env.get("XGM_OVERSTAY_SWEEP_INTERVAL", "60")),
        "XGM_RETENTION_INTERVAL": int(env.get("XGM_RETENTION_INTERVAL", "86400")),
        "XGM_CLOSURE_INTERVAL": int(env.get("XGM_CLOSURE_INTERVAL", "3600")),
        # Not read from the environment (tests change them): the arrival expiry and the gate
        # command sweeps, how long a process caches blocks and gates, an export job's timeout,
        # a prefix of the RQ queue names.
        "XGM_ARRIVAL_EXPIRY_INTERVAL": 60,
        "XGM_GATE_COMMAND_SWEEP_INTERVAL": 30,
        "XGM_BLOCK_CACHE_TTL": 60,
        "XGM_GATE_CACHE_TTL": 60,
        "XGM_EXPORT_JOB_TIMEOUT": 1800,
        "XGM_QUEUE_PREFIX": "",
    }
