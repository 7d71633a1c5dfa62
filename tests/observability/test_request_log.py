"""One JSON line per request; the request id from X-Request-ID or made, answered and shown."""

import io
import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import login
from tests.factories import PASSWORD, create_tenant, create_user
from xgm.observability.logs import REQUEST_LOGGER, JsonLines


@pytest.fixture
def request_lines():
    """The JSON lines the request logger writes during the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_each_request_writes_one_json_line(client, request_lines):
    """Anonymous GET: request id, no tenant, principal, route, status, duration."""
    response = client.get("/login", headers={"X-Request-ID": "lb-0123456789abcdef"})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "lb-0123456789abcdef"
    [line] = request_lines()
    assert line["request_id"] == "lb-0123456789abcdef"
    assert line["tenant_id"] is None
    assert line["principal"] == "anonymous"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/login", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["logger"] == "xgm.requests" and line["level"] == "info"


def test_signed_in_request_names_tenant_and_principal_kind(app, client, request_lines):
    """A manager's page: the line carries their tenant id and principal kind 'user'."""
    with app.app_context():
        tenant = create_tenant("日志物业")
        create_user(tenant, email="log@example.com")
        tenant_id = tenant.id
    login(client, "log@example.com", PASSWORD)
    client.get("/team")
    line = request_lines()[-1]
    assert (line["route"], line["tenant_id"], line["principal"]) == ("/team", tenant_id, "user")


def test_a_missing_or_unsafe_request_id_is_replaced(client, request_lines):
    """No header, or one with spaces or markup: a new 32-hex id, different per request."""
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz", headers={"X-Request-ID": "<script>x</script>"}).headers[
        "X-Request-ID"
    ]
    assert len(first) == 32 and int(first, 16) >= 0
    assert len(second) == 32 and second != first
    assert [line["request_id"] for line in request_lines()] == [first, second]


def test_error_pages_show_the_request_id(client):
    """A 404 page (HTML) and a JSON error show the id the user can quote to support."""
    page = client.get("/no-such-page", headers={"X-Request-ID": "quote-me-12345"})
    assert page.status_code == 404
    body = page.get_data(as_text=True)
    assert "请求编号" in body and "<code>quote-me-12345</code>" in body
    api = client.get(
        "/no-such-page", headers={"X-Request-ID": "quote-me-67890", "Accept": "application/json"}
    )
    assert api.status_code == 404
    assert api.get_json()["error"]["request_id"] == "quote-me-67890"


def test_requests_are_counted_per_endpoint_method_and_status(client):
    """The request counter and latency histogram move by one per answered request."""
    from prometheus_client import REGISTRY

    labels = {"endpoint": "probes.healthz", "method": "GET", "status": "200"}

    def counted():
        return REGISTRY.get_sample_value("xgm_http_requests_total", labels) or 0.0

    def timed():
        return (
            REGISTRY.get_sample_value(
                "xgm_http_request_duration_seconds_count", {"endpoint": "probes.healthz"}
            )
            or 0.0
        )

    before, before_timed = counted(), timed()
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    # A method the rule does not take matches no endpoint: counted as "unmatched", 405.
    not_allowed = {"endpoint": "unmatched", "method": "POST", "status": "405"}
    refused = REGISTRY.get_sample_value("xgm_http_requests_total", not_allowed) or 0.0
    assert client.post("/healthz").status_code == 405
    refused_after = REGISTRY.get_sample_value("xgm_http_requests_total", not_allowed)
    assert (counted() - before, timed() - before_timed) == (3.0, 3.0)
    assert refused_after - refused == 1.0


def test_a_disabled_request_log_writes_nothing(app, request_lines):
    """A disabled request logger (what XGM_REQUEST_LOG=0 sets) writes no line; the id header stays."""
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.disabled = True
    try:
        response = app.test_client().get("/healthz")
    finally:
        logger.disabled = False
    assert response.status_code == 200 and len(response.headers["X-Request-ID"]) == 32
    assert request_lines() == []


@given(st.floats(min_value=0, max_value=4102444800, allow_nan=False, allow_infinity=False))
def test_the_line_time_is_iso_utc_to_the_millisecond(created):
    """The remembered-second timestamp is what datetime writes, roundings at the edges too."""
    from datetime import UTC, datetime

    from xgm.observability.logs import _timestamp

    expected = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    assert _timestamp(created) == expected
