"""A real city outage, end to end: the simulator told to fail, and the city's port closed.

The city link state lives in Redis (xgm.riders.link), so every web process sees it.
"""

import time
from datetime import timedelta

import pytest

from tests.conftest import app_config
from tests.factories import (
    ACTIVE,
    ACTIVE_2,
    CLIENT_ID,
    PUBLIC_URL,
    SECRET,
    Duty,
    Stream,
    age_arrivals,
    arrivals,
    authorize,
    city_config,
    control,
    lookups,
    sign_in_rider,
)
from xgm import create_app
from xgm.citysim.process import SimProcess
from xgm.queues import get_redis
from xgm.riders.city import CARD_KEY
from xgm.riders.link import city_link_down, link_state, record_failure, record_success

#: Link state read fresh every time, retried every 0.2 s: the tests need not wait.
QUICK = {"XGM_CITY_LINK_CACHE": 0, "XGM_CITY_RECHECK": 0.2}


def forget_card(app, rider_code: str) -> None:
    """The 60 s card cache ran out (the 24-hour offline confirmation stays)."""
    with app.app_context():
        get_redis().delete(CARD_KEY + rider_code)


def is_manual_form(response) -> bool:
    body = response.get_data(as_text=True)
    return response.status_code == 200 and "人工登记" in body and 'name="phone"' in body


@pytest.fixture
def own_sim(tmp_path):
    """A simulator process of this test only (the test stops it: the city's port closed)."""
    process = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=PUBLIC_URL,
        env={"CITYSIM_WEBHOOKS": "0"},
        log_path=tmp_path / "citysim.log",
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture
def own_city_app(app, own_sim):
    """The test app talking to this test's own simulator."""
    app.config.update(city_config(own_sim.url), **QUICK)
    return app


def test_link_state_is_shared_by_two_app_instances(app, database_url, own_sim):
    """A failure seen by one web process is the other's verdict too, and so is the recovery."""
    config = {**city_config(own_sim.url), "XGM_CITY_LINK_CACHE": 0}
    one = create_app(app_config(database_url, **config))
    two = create_app(app_config(database_url, **config))
    own_sim.stop()  # the city's port is closed
    with one.app_context():
        from xgm.riders.city import lookup_rider

        assert lookup_rider(ACTIVE).source == "down"  # a real failed call
    with two.app_context():
        assert city_link_down() is True
        assert "refused" in link_state().reason or "unreachable" in link_state().reason
        record_success()
    with one.app_context():
        assert city_link_down() is False
        record_failure("timeout")
    with two.app_context():
        state = link_state()
        assert (state.down, state.reason) == (True, "timeout")


def test_each_process_reads_the_state_at_most_once_a_second(app, own_sim):
    """Within XGM_CITY_LINK_CACHE the scan path keeps its copy: no Redis read per scan."""
    app.config.update(city_config(own_sim.url), XGM_CITY_LINK_CACHE=30)
    other = create_app(app.config.copy())
    with app.app_context():
        assert city_link_down() is False  # read once, kept
    with other.app_context():
        record_failure("503")
    with app.app_context():
        assert city_link_down() is False  # still this process's copy
        assert link_state(fresh=True).down is True


def test_port_closed_end_to_end(own_city_app, own_sim, new_client):
    """The city's port closed: a confirmed rider passes 离线核验, an unconfirmed one and a new
    one get the manual form, the console says so; the city back, sign-in works again."""
    app = own_city_app
    confirmed, unconfirmed, newcomer = new_client(), new_client(), new_client()
    duty = Duty(app, new_client)
    sign_in_rider(confirmed, duty.token, ACTIVE)
    assert confirmed.get(f"/g/{duty.token}").status_code == 200  # the city confirms ACTIVE
    sign_in_rider(unconfirmed, duty.token, ACTIVE_2)
    duty.act(duty.listed()[0]["id"], "admit")
    forget_card(app, ACTIVE)
    age_arrivals(app, duty.site.tenant_id, timedelta(minutes=3))  # the next scan is a new arrival
    own_sim.stop()

    page = confirmed.get(f"/g/{duty.token}")
    assert page.status_code == 200 and "离线核验" in page.get_data(as_text=True)
    card = duty.listed()[0]
    assert (card["offline"], card["outcome"], card["rider"]["name"]) == (True, "pending", "王小明")
    assert is_manual_form(unconfirmed.get(f"/g/{duty.token}"))
    assert is_manual_form(newcomer.get(f"/g/{duty.token}"))
    answer = duty.phone.get("/guard/arrivals").get_json()
    assert answer["city"] == {"down": True}

    own_sim.start()  # the same port answers again
    deadline = time.monotonic() + 5
    while duty.phone.get("/guard/arrivals").get_json()["city"]["down"]:
        assert time.monotonic() < deadline, "the console still says the city is down"
        time.sleep(0.2)
    start = newcomer.get(f"/g/{duty.token}")
    assert start.status_code == 302
    assert start.headers["Location"].startswith(own_sim.url + "/oauth/authorize?")


def test_simulator_told_to_fail_end_to_end(city_app, sim, new_client, client):
    """The city answering 503: a new rider's sign-in fails at the token exchange and ends on the
    manual form; after that, and for as long as the outage lasts, new riders get the form at
    once; the form's arrival is a manual one."""
    city_app.config.update(QUICK)
    duty = Duty(city_app, new_client)
    control(sim, "POST", "/_sim/down", {"down": True})
    callback = authorize(client, duty.token, ACTIVE)  # the sign-in page itself still loads
    response = client.get(callback)
    assert response.headers["Location"] == f"/g/{duty.token}/manual"
    assert is_manual_form(client.get(response.headers["Location"]))
    for _ in range(2):
        assert is_manual_form(new_client().get(f"/g/{duty.token}"))
        time.sleep(0.3)  # past the recheck interval: the city is tried again, and fails again
    with city_app.app_context():
        assert city_link_down() is True
    assert arrivals(city_app, duty.site.tenant_id) == []


def test_stream_banner_follows_the_city(duty_quick, sim):
    """The console's stream says down within 5 s of the first failure, up within 5 s of the
    city answering again (no scan needed: the open console checks)."""
    stream = Stream(duty_quick.phone)
    try:
        stream.read_until('event: city\ndata: {"down": false}')
        rider = duty_quick.new_client()
        sign_in_rider(rider, duty_quick.token, ACTIVE_2)
        control(sim, "POST", "/_sim/down", {"down": True})
        failed_at = time.monotonic()
        assert is_manual_form(rider.get(f"/g/{duty_quick.token}"))  # the lookup fails
        stream.read_until('event: city\ndata: {"down": true}', timeout=5)
        assert time.monotonic() - failed_at < 5
        control(sim, "POST", "/_sim/down", {"down": False})
        back_at = time.monotonic()
        deadline = back_at + 5
        while stream.text.count('data: {"down": false}') < 2:
            assert time.monotonic() < deadline, stream.text
            time.sleep(0.05)
    finally:
        stream.close()


@pytest.fixture
def duty_quick(city_app, new_client):
    """A guard on duty; the link state read fresh; streams that end after 15 s."""
    city_app.config.update(
        QUICK, XGM_STREAM_HEARTBEAT=1, XGM_STREAM_MAX_SECONDS=15, XGM_VIEWING_FLUSH_SECONDS=0.2
    )
    return Duty(city_app, new_client)


def test_sign_in_page_unreachable_gives_the_manual_form(client, place, city_app):
    """Nobody listens at the city: a rider without a cookie is not sent to a dead sign-in page."""
    _, _, _, token = place
    city_app.config.update(XGM_CITY_URL="http://127.0.0.1:9", **QUICK)
    city_app.extensions.pop("xgm_city_client", None)
    assert is_manual_form(client.get(f"/g/{token}"))
    with city_app.app_context():
        assert city_link_down() is True


def test_sign_in_probe_does_not_look_riders_up(client, place, sim):
    """While the city answers, the check before sign-in loads only the sign-in page."""
    _, _, _, token = place
    assert client.get(f"/g/{token}").status_code == 302
    assert lookups(sim) == 0
