"""/healthz, /readyz and /metrics: cheap, unauthenticated (health), no data, not rate limited."""

import ipaddress

from sqlalchemy import text

from xgm.citysim.process import free_port
from xgm.extensions import db
from xgm.probes.readiness import migration_heads


def test_healthz_answers_ok_without_touching_anything(client):
    """The process answers: 200, a fixed body, not cached."""
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_database_redis_and_schema_at_head(client):
    """Database and Redis answer, migrations at head: 200 and each check 'ok'."""
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "ok"},
    }


def test_readyz_is_503_when_redis_is_down(app, client):
    """A Redis nobody listens on: 503, naming Redis, the database still 'ok'."""
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")


def test_readyz_is_503_when_the_schema_is_behind(app, client):
    """A database whose migrations are not at head is not ready: it says where it stands."""
    [head] = migration_heads()
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '0001'"))
        db.session.commit()
        try:
            response = client.get("/readyz")
        finally:
            db.session.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
            db.session.commit()
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == f"schema at 0001, head is {head}"


def test_readyz_stays_ready_on_a_newer_releases_schema(app, client):
    """Migrate first: a revision this code does not know is a newer release's schema, which
    this release runs on (one release of backward compatibility), so it stays in rotation."""
    [head] = migration_heads()
    with app.app_context():
        db.session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        db.session.commit()
        try:
            response = client.get("/readyz")
        finally:
            db.session.execute(text("UPDATE alembic_version SET version_num = :h"), {"h": head})
            db.session.commit()
    assert response.status_code == 200
    assert response.get_json()["checks"]["database"] == "ok (schema of a newer release)"


def test_probes_are_not_rate_limited(client):
    """A load balancer probing every few hundred ms is never refused (200 of them in a row)."""
    codes = {client.get("/healthz").status_code for _ in range(200)}
    codes |= {client.get("/readyz").status_code for _ in range(50)}
    assert codes == {200}


def test_metrics_is_a_404_without_token_or_network(app, client):
    """Neither configured: nobody reads the metrics, not even from localhost."""
    app.config.update(XGM_METRICS_TOKEN="", XGM_METRICS_NETWORKS=())
    assert client.get("/metrics").status_code == 404
    app.config["XGM_METRICS_TOKEN"] = "s3cret-token"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "s3cret-token"}).status_code == 404


def test_metrics_with_the_token(app, client):
    """The right Bearer token: Prometheus text with request counts and latency histograms."""
    app.config["XGM_METRICS_TOKEN"] = "s3cret-token"
    client.get("/healthz")
    response = client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    body = response.get_data(as_text=True)
    assert 'xgm_http_requests_total{endpoint="probes.healthz",method="GET",status="200"}' in body
    assert 'xgm_http_request_duration_seconds_bucket{endpoint="probes.healthz",le="0.005"}' in body
    for name in (
        'xgm_rq_queue_length{queue="complaints"} 0.0',
        'xgm_rq_failed_jobs{queue="default"} 0.0',
        "xgm_complaint_outbox_backlog 0.0",
        "xgm_complaint_outbox_oldest_seconds 0.0",
        "xgm_guard_streams_open",
        "xgm_redis_up 1.0",
        "xgm_database_up 1.0",
    ):
        assert name in body, name


def test_metrics_from_a_configured_network(app, client):
    """The test client comes from 127.0.0.1: allowed by 127.0.0.0/8, refused by 10.0.0.0/8."""
    app.config.update(
        XGM_METRICS_TOKEN="", XGM_METRICS_NETWORKS=(ipaddress.ip_network("10.0.0.0/8"),)
    )
    assert client.get("/metrics").status_code == 404
    app.config["XGM_METRICS_NETWORKS"] = (ipaddress.ip_network("127.0.0.0/8"),)
    assert client.get("/metrics").status_code == 200
