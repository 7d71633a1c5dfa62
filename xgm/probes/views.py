"""GET /healthz, GET /readyz, GET /metrics."""

from __future__ import annotations

import hmac
import ipaddress

from flask import Response, abort, current_app, jsonify, request

from xgm.probes import bp
from xgm.probes.exposition import render_metrics
from xgm.probes.readiness import check_database, check_redis


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz():
    """The process answers (nothing else is touched)."""
    return _no_store(jsonify({"status": "ok"}))


@bp.get("/readyz")
def readyz():
    """200 when PostgreSQL (or SQLite) and Redis answer and migrations are at head, else 503."""
    db_ok, db_detail = check_database()
    redis_ok, redis_detail = check_redis()
    ready = db_ok and redis_ok
    body = {
        "status": "ready" if ready else "not_ready",
        "checks": {"database": db_detail, "redis": redis_detail},
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    return _no_store(response)


def metrics_allowed(config, remote_addr: str | None, authorization: str | None) -> bool:
    """True with the configured token (Bearer) or from a configured network."""
    token = config.get("XGM_METRICS_TOKEN") or ""
    if token and authorization:
        scheme, _, given = authorization.partition(" ")
        given_bytes = given.strip().encode("utf-8", "surrogatepass")
        if scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, token.encode()):
            return True
    networks = config.get("XGM_METRICS_NETWORKS") or ()
    if not networks or not remote_addr:
        return False
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        return False
    return any(address in network for network in networks)


@bp.get("/metrics")
def metrics():
    """Prometheus text exposition; a 404 for anyone without the token or outside the networks."""
    if not metrics_allowed(
        current_app.config, request.remote_addr, request.headers.get("Authorization")
    ):
        abort(404)
    body, content_type = render_metrics()
    return _no_store(Response(body, content_type=content_type))
