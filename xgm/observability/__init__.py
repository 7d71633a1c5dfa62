"""Request ids, the JSON request log and request metrics: what the on-call engineer reads.

Low in the layers (the city client, the queues and the passes use it; it imports none of the
features). `init_app` binds each request's id (`X-Request-ID` from the client or proxy, or a
new one), answers it in the response header, counts and times the request, and writes one
JSON line per request. The `/metrics` and health endpoints live in `xgm/probes/`.
"""

from __future__ import annotations

import time

from xgm.observability.requestid import HEADER, accept, bind, current_request_id, unbind

__all__ = ["HEADER", "current_request_id", "init_app"]


#: The WSGI environ key of the request id header (read there: one lookup, not a header scan).
_ENVIRON_KEY = "HTTP_" + HEADER.upper().replace("-", "_")


def _principal_kind(g) -> str:
    user = g.get("_login_user")
    if user is not None and getattr(user, "is_authenticated", False):
        return type(user).__name__.lower()
    if g.get("gate_agent") is not None:
        return "agent"
    if g.get("_xgm_rider"):
        return "rider"
    if g.get("_xgm_device") is not None:
        return "device"
    return "anonymous"


def init_app(app) -> None:
    """Install the request-id, log and metrics hooks (first of the before-request hooks)."""
    from flask import g, request

    import tenants
    from xgm.observability import metrics
    from xgm.observability.logs import log_request, request_logger

    logger = request_logger(app.config.get("XGM_REQUEST_LOG", True))

    def _begin():
        g._xgm_started = time.perf_counter()
        g._xgm_request_id = accept(request.environ.get(_ENVIRON_KEY))
        g._xgm_request_id_token = bind(g._xgm_request_id)

    app.before_request_funcs.setdefault(None, []).insert(0, _begin)

    @app.after_request
    def _finish(response):
        started = g.get("_xgm_started")
        request_id = g.get("_xgm_request_id")
        if started is None or request_id is None:
            return response
        response.headers[HEADER] = request_id
        seconds = time.perf_counter() - started
        endpoint = request.endpoint or "unmatched"
        if endpoint != "static":
            metrics.record_request(endpoint, request.method, response.status_code, seconds)
        log_request(
            logger,
            {
                "request_id": request_id,
                "tenant_id": tenants.current_tenant_id(),
                "principal": _principal_kind(g),
                "method": request.method,
                "route": request.url_rule.rule if request.url_rule is not None else None,
                "path": request.path[:200],
                "status": response.status_code,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
        return response

    @app.teardown_request
    def _unbind(exc):
        token = g.pop("_xgm_request_id_token", None)
        if token is not None:
            try:
                unbind(token)
            except ValueError:  # bound in another context (a streamed response's generator)
                bind(None)

    @app.context_processor
    def _request_id():
        return {"request_id": g.get("_xgm_request_id")}
