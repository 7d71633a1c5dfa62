"""When the city platform is down: offline passes for recently confirmed riders, else manual."""

import time
from datetime import timedelta

from tests.conftest import CSRF_RE
from tests.factories import (
    ACTIVE,
    ACTIVE_2,
    age_arrivals,
    arrivals,
    control,
    held_event,
    post_event,
    sign_in_rider,
)


def go_down(sim) -> None:
    """Make the simulator answer 503 to every API call."""
    control(sim, "POST", "/_sim/down", {"down": True})


def short_cache(app) -> None:
    """Cards cached for 1 s only, so a test can outlive the cache."""
    app.config["XGM_RIDER_CACHE_TTL"] = 1


def manual_post(client, token: str, **fields):
    """Fill in and send the manual registration form shown at the gate."""
    page = client.get(f"/g/{token}")
    csrf = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    data = {"name": "李四", "phone": "13912345678", "platform": "饿了么", "csrf_token": csrf}
    data.update(fields)
    return client.post(f"/g/{token}/manual", data=data)


def test_recently_confirmed_rider_passes_offline(client, place, sim, city_app):
    """A rider the city confirmed active within 24 h passes while it is down, marked 离线核验."""
    tenant_id, _, _, token = place
    short_cache(city_app)
    sign_in_rider(client, token, ACTIVE)
    client.get(f"/g/{token}")
    go_down(sim)
    time.sleep(1.1)  # the cached card is gone; the 24-hour confirmation is not
    age_arrivals(city_app, tenant_id, timedelta(minutes=3))
    response = client.get(f"/g/{token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "离线核验" in body and "王小明" in body
    latest = arrivals(city_app, tenant_id)[-1]
    assert (latest.outcome, latest.offline, latest.rider_name) == ("pending", True, "王小明")


def test_unconfirmed_rider_gets_the_manual_form(client, place, sim):
    """A signed-in rider nothing recent vouches for gets the manual registration form."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    go_down(sim)
    response = client.get(f"/g/{token}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "人工登记" in body and 'name="phone"' in body and 'name="platform"' in body
    assert arrivals(client.application, tenant_id) == []


def test_no_sign_in_while_the_city_is_known_down_gets_the_manual_form(
    client, new_client, place, sim
):
    """With the city known down, a new rider is not sent to its sign-in page but to the form."""
    _, _, _, token = place
    first = new_client()
    sign_in_rider(first, token, ACTIVE_2)
    go_down(sim)
    first.get(f"/g/{token}")  # this lookup fails and records the outage
    response = client.get(f"/g/{token}")
    assert response.status_code == 200
    assert "人工登记" in response.get_data(as_text=True)


def test_manual_registration_records_a_manual_arrival(client, place, sim):
    """The form creates a pending manual arrival with the typed card and shows its pass."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    go_down(sim)
    response = manual_post(client, token)
    assert response.status_code == 302
    [arrival] = arrivals(client.application, tenant_id)
    assert response.headers["Location"] == f"/passes/{arrival.pass_key}"
    assert (arrival.manual, arrival.outcome, arrival.offline) == (True, "pending", False)
    assert (arrival.rider_name, arrival.rider_phone, arrival.platform_name) == (
        "李四",
        "13912345678",
        "饿了么",
    )
    assert arrival.rider_code == ACTIVE
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "人工登记" in page and "李四" in page


def test_manual_registration_with_bad_input_shows_errors(client, place, sim):
    """A bad phone number is a form error on the same page, not an arrival."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    go_down(sim)
    response = manual_post(client, token, phone="12345", name="")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "请输入有效的手机号" in body
    assert arrivals(client.application, tenant_id) == []


def test_manual_registration_is_refused_while_the_city_is_up(client, place, sim, city_app):
    """With the city answering, the manual form sends the rider back to be verified."""
    tenant_id, _, _, token = place
    city_app.config.update(XGM_CITY_RECHECK=0.2, XGM_CITY_LINK_CACHE=0)
    sign_in_rider(client, token, ACTIVE)
    go_down(sim)
    page = client.get(f"/g/{token}")
    csrf = CSRF_RE.search(page.get_data(as_text=True)).group(1)
    control(sim, "POST", "/_sim/down", {"down": False})
    time.sleep(0.25)  # time to try the city again
    response = client.post(
        f"/g/{token}/manual",
        data={"name": "李四", "phone": "13912345678", "platform": "饿了么", "csrf_token": csrf},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/g/{token}"
    assert arrivals(client.application, tenant_id) == []


def test_suspended_rider_gets_no_offline_pass(client, place, sim, city_app):
    """A suspension webhook also drops the offline confirmation: no 离线核验 for that rider."""
    tenant_id, _, _, token = place
    short_cache(city_app)
    sign_in_rider(client, token, ACTIVE)
    client.get(f"/g/{token}")
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "suspended"})
    assert post_event(client, held_event(sim)).status_code == 200
    go_down(sim)
    time.sleep(1.1)
    body = client.get(f"/g/{token}").get_data(as_text=True)
    assert "人工登记" in body and "离线核验" not in body


def test_a_stream_reads_a_fresh_up_link_without_an_app_context(app):
    """cached_link_up(): True only for this process's copy when fresh and up; unread, stale or
    down sends the stream through watch_city() (its app context, the Redis read, the probe)."""
    from xgm.riders.link import cached_link_up, link_state, record_failure, record_success

    assert cached_link_up(app) is False  # nothing read yet in this process
    with app.app_context():
        record_success()
        assert link_state().down is False
    assert cached_link_up(app) is True
    app.config["XGM_CITY_LINK_CACHE"] = 0.05
    time.sleep(0.1)
    assert cached_link_up(app) is False  # stale: read again
    app.config["XGM_CITY_LINK_CACHE"] = 60
    with app.app_context():
        record_failure("timeout")
    assert cached_link_up(app) is False  # down: the stream probes through watch_city()
