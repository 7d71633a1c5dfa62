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

    # The hooks read the request and g once each (not through the context proxies per use):
    # they run on every request.
    def _begin():
        here = g._get_current_object()
        here._xgm_started = time.perf_counter()
        here._xgm_request_id = request_id = accept(request.environ.get(_ENVIRON_KEY))
        here._xgm_request_id_token = bind(request_id)

    app.before_request_funcs.setdefault(None, []).insert(0, _begin)

    @app.after_request
    def _finish(response):
        here = g._get_current_object()
        started = here.get("_xgm_started")
        request_id = here.get("_xgm_request_id")
        if started is None or request_id is None:
            return response
        response.headers[HEADER] = request_id
        seconds = time.perf_counter() - started
        req = request._get_current_object()
        endpoint = req.endpoint or "unmatched"
        status = response.status_code
        if endpoint != "static":
            metrics.record_request(endpoint, req.method, status, seconds)
        rule = req.url_rule
        log_request(
            logger,
            {
                "request_id": request_id,
                "tenant_id": tenants.current_tenant_id(),
                "principal": _principal_kind(here),
                "method": req.method,
                "route": rule.rule if rule is not None else None,
                "path": req.path[:200],
                "status": status,
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
