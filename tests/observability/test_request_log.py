"""One JSON line per request; the request id from X-Request-ID or made, answered and shown."""

import io
import json
import logging

import pytest

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
