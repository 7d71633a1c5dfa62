"""The /metrics text: the processes' own metrics plus shared state read at scrape time."""

from __future__ import annotations

import time

from flask import current_app
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily


class SharedState:
    """RQ queue lengths and failed jobs (Redis), the complaint outbox backlog (database)."""

    def collect(self):
        """Yield the gauges; a part that cannot be read says so in its `*_up` gauge."""
        from xgm.ops.health import outbox_backlog, queue_states

        queued = GaugeMetricFamily(
            "xgm_rq_queue_length", "Jobs waiting in an RQ queue.", labels=["queue"]
        )
        failed = GaugeMetricFamily(
            "xgm_rq_failed_jobs", "Jobs in an RQ queue's failed registry.", labels=["queue"]
        )
        redis_up = GaugeMetricFamily("xgm_redis_up", "1 when Redis answered this scrape.")
        try:
            for state in queue_states():
                queued.add_metric([state.name], state.queued)
                failed.add_metric([state.name], state.failed)
            redis_up.add_metric([], 1)
        except Exception:  # noqa: BLE001 - Redis down: the scrape still answers
            redis_up.add_metric([], 0)
        yield from (queued, failed, redis_up)
        backlog = GaugeMetricFamily(
            "xgm_complaint_outbox_backlog", "Complaints filed and not yet delivered to the city."
        )
        oldest = GaugeMetricFamily(
            "xgm_complaint_outbox_oldest_seconds",
            "Age of the oldest complaint waiting for delivery (0 when none waits).",
        )
        db_up = GaugeMetricFamily("xgm_database_up", "1 when the database answered this scrape.")
        try:
            state = outbox_backlog()
            backlog.add_metric([], state["pending"])
            age = 0.0
            if state["oldest"] is not None:
                from tenants import utcnow

                age = max(0.0, (utcnow() - state["oldest"]).total_seconds())
            oldest.add_metric([], age)
            db_up.add_metric([], 1)
        except Exception:  # noqa: BLE001
            from xgm.extensions import db

            db.session.rollback()
            db_up.add_metric([], 0)
        yield from (backlog, oldest, db_up)
        scraped = GaugeMetricFamily("xgm_scrape_timestamp_seconds", "When this scrape ran.")
        scraped.add_metric([], time.time())
        yield scraped


def render_metrics() -> tuple[bytes, str]:
    """(body, content type) for one scrape."""
    if current_app.config["PROMETHEUS_MULTIPROC_DIR"]:  # multiprocess mode (gunicorn.conf.py)
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    shared = CollectorRegistry(auto_describe=False)
    shared.register(SharedState())
    return generate_latest(registry) + generate_latest(shared), CONTENT_TYPE_LATEST
