"""A double tap: concurrent scans of one rider at one gate make one arrival (passes.claim)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tenants import tenant_context
from tests.factories import ACTIVE, arrivals, sign_in_rider
from xgm.compounds.lookup import resolve_token
from xgm.passes.claim import claim_key
from xgm.passes.scanning import judge, record_scan
from xgm.queues import get_redis

PENDING = 'data-outcome="pending"'


def _claimed(app, token: str, rider_code: str = ACTIVE) -> bool:
    with app.app_context():
        return bool(get_redis().exists(claim_key(token, rider_code)))


def test_a_scan_waits_for_the_same_riders_scan_in_flight_and_shows_its_arrival(client, place):
    """While another scan of this rider at this gate holds the claim, the scan waits; then it
    shows the arrival that scan recorded instead of writing a second one."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    app = client.application
    with app.app_context():
        assert get_redis().set(claim_key(token, ACTIVE), "other-scan", nx=True, px=10_000)
    result = {}
    waiting = threading.Thread(target=lambda: result.update(page=client.get(f"/g/{token}")))
    waiting.start()
    time.sleep(0.4)
    assert waiting.is_alive()  # held back by the claim
    assert arrivals(app, tenant_id) == []
    # The other scan records its arrival and releases the claim.
    with app.app_context(), tenant_context(tenant_id):
        gate, compound = resolve_token(token)
        first = record_scan(gate, compound, ACTIVE, judge(ACTIVE, compound.id))
        get_redis().delete(claim_key(token, ACTIVE))
    waiting.join(timeout=5)
    assert not waiting.is_alive()
    page = result["page"]
    assert page.status_code == 200
    assert f"/passes/{first.pass_key}/status" in page.get_data(as_text=True)
    assert [a.id for a in arrivals(app, tenant_id)] == [first.id]


def test_a_claim_whose_holder_died_lapses(client, place, monkeypatch):
    """A claim nobody releases (its scan crashed) only delays the next scan until it lapses."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    with client.application.app_context():
        get_redis().set(claim_key(token, ACTIVE), "dead-scan", px=300)
    started = time.monotonic()
    page = client.get(f"/g/{token}")
    waited = time.monotonic() - started
    assert page.status_code == 200 and PENDING in page.get_data(as_text=True)
    assert waited >= 0.2
    assert len(arrivals(client.application, tenant_id)) == 1


def test_every_scan_releases_its_claim(client, place, city_app):
    """After a pass, a refusal page for an unknown token, or the sign-in redirect, no claim is
    left behind (a rescan right after does not wait)."""
    tenant_id, _, _, token = place
    assert client.get(f"/g/{token}").status_code == 302  # not signed in: no claim taken
    sign_in_rider(client, token, ACTIVE)
    assert client.get(f"/g/{token}").status_code == 200
    assert not _claimed(city_app, token)
    unknown = "A" * 32
    assert client.get(f"/g/{unknown}").status_code == 404
    assert not _claimed(city_app, unknown)
    started = time.monotonic()
    assert client.get(f"/g/{token}").status_code == 200
    assert time.monotonic() - started < 2.5
    assert len(arrivals(city_app, tenant_id)) == 1


def test_concurrent_scans_over_http_make_one_arrival(client, place, live_server):
    """Eight copies of the same scan at once (a double tap, a retrying browser): one arrival,
    and every copy shows it."""
    tenant_id, _, _, token = place
    sign_in_rider(client, token, ACTIVE)
    cookie = client.get_cookie("xgm_rider").value
    notice = client.get_cookie("xgm_notice").value  # the company's notice, read at sign-in
    with client.application.app_context(), tenant_context(tenant_id):
        gate, compound = resolve_token(token)
        assert judge(ACTIVE, compound.id) == judge(ACTIVE, compound.id)  # card cached now

    def scan(_):
        cookies = {"xgm_rider": cookie, "xgm_notice": notice}
        return requests.get(f"{live_server}/g/{token}", cookies=cookies, timeout=10)

    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(scan, range(8)))
    assert [p.status_code for p in pages] == [200] * 8
    [arrival] = arrivals(client.application, tenant_id)
    assert all(f"/passes/{arrival.pass_key}/status" in p.text for p in pages)
    assert not _claimed(client.application, token)
