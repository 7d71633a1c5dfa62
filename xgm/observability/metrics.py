"""The product's Prometheus metrics (prometheus-client), shared by web and worker processes.

Under gunicorn, `gunicorn.conf.py` sets PROMETHEUS_MULTIPROC_DIR before the app is imported,
so each process writes its samples to files there and `/metrics` adds them up (multiprocess
mode); without it (development server, tests) the values live in the one process. Gauges
that describe shared state (queue lengths, the outbox backlog) are read at scrape time by
`xgm.observability.collectors`, not kept here.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

#: Latency buckets (seconds) of web requests and city calls.
LATENCY = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Buckets of the time from a scan to the guard's decision (seconds).
DECISION = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600)

http_requests = Counter(
    "xgm_http_requests",
    "Web requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
http_latency = Histogram(
    "xgm_http_request_duration_seconds",
    "Time to answer a web request (a stream: until its response began), by endpoint.",
    ["endpoint"],
    buckets=LATENCY,
)
scans = Counter(
    "xgm_scans",
    "Rider scans at gates, by outcome (pending, refused, reused, invalid_gate, ...).",
    ["outcome"],
)
scan_decision = Histogram(
    "xgm_scan_decision_seconds",
    "Time from a rider's scan to the guard's admit or deny.",
    ["outcome"],
    buckets=DECISION,
)
guard_streams = Gauge(
    "xgm_guard_streams_open",
    "Guard live streams (SSE) open now.",
    multiprocess_mode="livesum",
)
city_calls = Counter(
    "xgm_city_requests",
    "Calls to the city platform, by endpoint and result (ok, status code class, timeout, error).",
    ["endpoint", "result"],
)
city_latency = Histogram(
    "xgm_city_request_duration_seconds",
    "Time of a call to the city platform, by endpoint.",
    ["endpoint"],
    buckets=LATENCY,
)


#: Label children by label values: labels() costs more than the increment it serves, and
#: every request pays it (prometheus-client returns the same child for the same values).
_request_children: dict[tuple, tuple] = {}


def record_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count and time one answered web request."""
    key = (endpoint, method, status)
    children = _request_children.get(key)
    if children is None:
        children = _request_children[key] = (
            http_requests.labels(endpoint=endpoint, method=method, status=str(status)),
            http_latency.labels(endpoint=endpoint),
        )
    children[0].inc()
    children[1].observe(seconds)


def record_scan(outcome: str) -> None:
    """Count one scan by its outcome."""
    scans.labels(outcome=outcome).inc()


def record_decision(outcome: str, seconds: float) -> None:
    """Observe one scan-to-decision time."""
    scan_decision.labels(outcome=outcome).observe(max(0.0, seconds))


def record_city_call(endpoint: str, result: str, seconds: float) -> None:
    """Count and time one city platform call."""
    city_calls.labels(endpoint=endpoint, result=result).inc()
    city_latency.labels(endpoint=endpoint).observe(seconds)
