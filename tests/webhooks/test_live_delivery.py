"""The simulator process delivers rider.status_changed over real HTTP to our /hooks/city."""

import re
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from tests.conftest import app_config
from tests.factories import (
    ACTIVE,
    CLIENT_ID,
    SECRET,
    arrivals,
    city_config,
    create_tenant,
    make_place,
)
from xgm import create_app
from xgm.citysim.process import SimProcess, free_port
from xgm.extensions import db
from xgm.privacy.viewings import close_viewing_buffer


@pytest.fixture
def live(app, database_url, tmp_path):
    """Our app on a real port, and a simulator process whose webhooks go to it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sim = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=base,
        env={"CITYSIM_WEBHOOK_BACKOFF": "0.2"},
        log_path=tmp_path / "citysim.log",
    )
    with sim:
        web = create_app(app_config(database_url, XGM_PUBLIC_URL=base, **city_config(sim.url)))
        server = make_server("127.0.0.1", port, web, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield web, base, sim.url
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            close_viewing_buffer(web)  # its streams' access-log rows, before the test ends
            with web.app_context():
                db.engine.dispose()


def rider_session(base: str, token: str, rider_code: str) -> requests.Session:
    """A rider's browser (requests) signed in through the real OAuth round trip."""
    browser = requests.Session()
    start = browser.get(f"{base}/g/{token}", allow_redirects=False, timeout=5)
    city = requests.get(
        start.headers["Location"] + "&login_hint=" + rider_code, allow_redirects=False, timeout=5
    )
    back = browser.get(city.headers["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302 and "xgm_rider" in browser.cookies
    notice = browser.get(f"{base}/g/{token}", timeout=5)  # the company's notice comes first
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', notice.text).group(1)
    accepted = browser.post(
        f"{base}/g/{token}/notice", data={"csrf_token": csrf}, allow_redirects=False, timeout=5
    )
    assert accepted.status_code == 303 and "xgm_notice" in browser.cookies
    return browser


def wait_delivered(sim_url: str, timeout: float = 10.0) -> dict:
    """Wait for the newest webhook delivery to be delivered; return it."""
    deadline = time.monotonic() + timeout
    while True:
        deliveries = requests.get(sim_url + "/_sim/webhooks", timeout=5).json()["deliveries"]
        if deliveries and deliveries[0]["state"] == "delivered":
            return deliveries[0]
        assert time.monotonic() < deadline, deliveries
        time.sleep(0.05)


def test_suspension_reaches_us_and_stops_the_rider_at_once(live):
    """The city's signed webhook is accepted over HTTP; the pending pass turns red at once."""
    web, base, sim_url = live
    with web.app_context():
        tenant_id = create_tenant("安居物业有限公司").id
    _, _, token = make_place(web, tenant_id)
    rider = rider_session(base, token, ACTIVE)
    assert 'data-outcome="pending"' in rider.get(f"{base}/g/{token}", timeout=5).text
    requests.post(
        f"{sim_url}/_sim/riders/{ACTIVE}/status", json={"status": "suspended"}, timeout=5
    ).raise_for_status()
    delivery = wait_delivered(sim_url)
    assert (delivery["attempts"], delivery["last_status"]) == (1, 200)
    [arrival] = arrivals(web, tenant_id)
    assert (arrival.outcome, arrival.refusal) == ("refused", "suspended")
    status = rider.get(f"{base}/passes/{arrival.pass_key}/status", timeout=5).json()
    assert status["outcome"] == "refused"
    assert "禁止通行" in rider.get(f"{base}/g/{token}", timeout=5).text


def test_resent_event_is_acknowledged_and_changes_nothing(live):
    """The simulator's resend of the same event gets 200 and stores nothing new."""
    from sqlalchemy import func, select

    from xgm.webhooks.models import CityEvent

    web, _base, sim_url = live
    answer = requests.post(
        f"{sim_url}/_sim/riders/{ACTIVE}/status", json={"status": "revoked"}, timeout=5
    ).json()
    wait_delivered(sim_url)
    requests.post(f"{sim_url}/_sim/webhooks/{answer['event_id']}/resend", timeout=5)
    resent = wait_delivered(sim_url)
    assert resent["last_status"] == 200
    with web.app_context():
        assert db.session.scalar(select(func.count()).select_from(CityEvent)) == 1
