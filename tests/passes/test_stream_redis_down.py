"""Redis down is a clear answer: /guard/stream says 503 with Retry-After, in Chinese (point 8).

The phone signs in on an app with Redis; then the same phone (its cookies) asks a second web
app, on the same database and secret key, whose Redis URL is a closed port.
"""

import socket

from tests.conftest import app_config
from tests.factories import make_site, signed_in_phone
from xgm import create_app


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again on leaving: nothing listens there


def test_stream_answers_503_with_retry_after_when_redis_is_down(app, client, database_url):
    site = make_site(app, client)
    phone = signed_in_phone(site, site.add_guard())
    assert phone.get("/guard/arrivals").status_code == 200

    down = f"redis://127.0.0.1:{_closed_port()}/0"
    broken = create_app(
        app_config(database_url, REDIS_URL=down, RATELIMIT_STORAGE_URI=down, XGM_RERAISE=False)
    )
    same_phone = broken.test_client()
    for cookie in phone._cookies.values():
        same_phone.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)

    response = same_phone.get("/guard/stream", headers={"Accept": "text/event-stream"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "实时推送暂时不可用" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"

    as_json = same_phone.get("/guard/stream", headers={"Accept": "application/json"})
    assert as_json.status_code == 503
    assert as_json.headers["Retry-After"] == "30"
    assert as_json.get_json()["error"]["message"].startswith("实时推送暂时不可用")
    with broken.app_context():
        from xgm.extensions import db

        db.session.remove()
        db.engine.dispose()
