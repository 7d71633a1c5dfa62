"""The scan: every rider status, the live pass, reuse within 2 minutes, expiry, the status cache."""

from datetime import timedelta

import pytest
from redis import Redis

from tests.conftest import REDIS_URL
from tests.factories import (
    ACTIVE,
    EXPIRED,
    REVOKED,
    SUSPENDED,
    age_arrivals,
    arrivals,
    control,
    count_arrivals,
    create_gate,
    lookups,
    sign_in_rider,
    token_of,
)
from xgm.passes.jobs import expire_arrivals


def scan(client, token: str, rider_code: str):
    """Sign the rider in on this browser, then scan the gate; the pass response."""
    sign_in_rider(client, token, rider_code)
    return client.get(f"/g/{token}")


def test_active_rider_gets_the_live_pass(client, place):
    """An active rider's scan shows photo, name, platform, station, compound, gate, clock, buildings."""
    tenant_id, _, _, token = place
    response = scan(client, token, ACTIVE)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    for text in ("王小明", "美团外卖", "桐庐城南站", "城南二队", "富春江畔花园", "东门"):
        assert text in body
    assert f"/photos/{ACTIVE}.jpg" in body
    assert 'id="clock"' in body and 'class="pass-live"' in body
    assert "<li>1幢</li><li>2幢</li><li>3幢</li>" in body
    assert 'data-outcome="pending"' in body
    assert "js/pass.js" in body


def test_active_rider_arrival_holds_the_card(client, place):
    """The arrival records tenant, compound, gate, rider code and the card shown."""
    tenant_id, compound_id, gate_id, token = place
    scan(client, token, ACTIVE)
    [arrival] = arrivals(client.application, tenant_id)
    assert (arrival.tenant_id, arrival.compound_id, arrival.gate_id) == (
        tenant_id,
        compound_id,
        gate_id,
    )
    assert (arrival.rider_code, arrival.rider_name, arrival.rider_phone) == (
        ACTIVE,
        "王小明",
        "13800001234",
    )
    assert (arrival.platform_code, arrival.platform_name) == ("meituan", "美团外卖")
    assert (arrival.station, arrival.team, arrival.supervision_phone) == (
        "桐庐城南站",
        "城南二队",
        "0571-64610000",
    )
    assert (arrival.rider_status, arrival.outcome, arrival.offline, arrival.manual) == (
        "active",
        "pending",
        False,
        False,
    )
    assert (arrival.compound_name, arrival.gate_name) == ("富春江畔花园", "东门")


@pytest.mark.parametrize(
    ("rider_code", "refusal", "why"),
    [
        (SUSPENDED, "suspended", "已被城市平台暂停"),
        (REVOKED, "revoked", "已被城市平台注销"),
        (EXPIRED, "expired", "已过有效期"),
    ],
)
def test_ineligible_rider_gets_the_red_refusal(client, place, rider_code, refusal, why):
    """Suspended, revoked and expired riders get the full red refusal saying why and whom to call."""
    tenant_id, _, _, token = place
    response = scan(client, token, rider_code)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="rider refused"' in body
    assert "禁止通行" in body and why in body
    assert "站点监管电话" in body and "城市监管热线" in body
    [arrival] = arrivals(client.application, tenant_id)
    assert (arrival.outcome, arrival.refusal, arrival.rider_status) == ("refused", refusal, refusal)
    assert arrival.decided_at is not None


def test_rider_unknown_to_the_city_is_refused(client, place, sim):
    """A signed-in rider the city no longer knows is refused with its own reason."""
    tenant_id, _, _, token = place
    control(
        sim, "POST", "/_sim/riders", {"riders": [{"rider_code": "XGMGONE0001", "name": "临时"}]}
    )
    sign_in_rider(client, token, "XGMGONE0001")
    control(sim, "POST", "/_sim/reset")
    body = client.get(f"/g/{token}").get_data(as_text=True)
    assert "城市平台查无此骑手" in body
    [arrival] = arrivals(client.application, tenant_id)
    assert (arrival.outcome, arrival.refusal) == ("refused", "unknown")


def test_rescan_within_two_minutes_reuses_the_arrival(client, place):
    """Scanning the same gate again within 2 minutes shows the same arrival."""
    tenant_id, _, _, token = place
    scan(client, token, ACTIVE)
    client.get(f"/g/{token}")
    client.get(f"/g/{token}")
    assert count_arrivals(client.application, tenant_id) == 1


def test_rescan_after_two_minutes_is_a_new_arrival(client, place):
    """After 2 minutes a scan of the same gate is a new arrival."""
    tenant_id, _, _, token = place
    scan(client, token, ACTIVE)
    age_arrivals(client.application, tenant_id, timedelta(minutes=2, seconds=5))
    client.get(f"/g/{token}")
    assert count_arrivals(client.application, tenant_id) == 2


def test_another_gate_is_another_arrival(client, place):
    """The reuse is per gate: the compound's other gate records its own arrival."""
    tenant_id, compound_id, _, token = place
    with client.application.app_context():
        north = token_of(client.application, create_gate(tenant_id, compound_id, "北门"))
    scan(client, token, ACTIVE)
    client.get(f"/g/{north}")
    assert [a.gate_name for a in arrivals(client.application, tenant_id)] == ["东门", "北门"]


def test_pass_status_endpoint_reports_the_outcome(client, place):
    """The pass polls a small JSON endpoint with the outcome."""
    tenant_id, _, _, token = place
    scan(client, token, ACTIVE)
    [arrival] = arrivals(client.application, tenant_id)
    response = client.get(f"/passes/{arrival.pass_key}/status")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json() == {
        "outcome": "pending",
        "refusal": "",
        "reason": "",
        "blocked_until": None,
        "decided_at": None,
        "offline": False,
        "manual": False,
    }


def test_unknown_pass_key_is_404(client, place):
    """A pass key that matches nothing is 404 (JSON and page)."""
    assert client.get("/passes/" + "A" * 24 + "/status").status_code == 404
    assert client.get("/passes/" + "A" * 24).status_code == 404


def test_pending_arrival_expires_after_ten_minutes_on_read(client, place):
    """A pending arrival read after 10 minutes is expired (lazily, on read)."""
    tenant_id, _, _, token = place
    scan(client, token, ACTIVE)
    age_arrivals(client.application, tenant_id, timedelta(minutes=10, seconds=1))
    [arrival] = arrivals(client.application, tenant_id)
    state = client.get(f"/passes/{arrival.pass_key}/status").get_json()
    assert state["outcome"] == "expired"
    assert state["decided_at"] is not None
    assert arrivals(client.application, tenant_id)[0].outcome == "expired"


def test_pending_arrival_younger_than_ten_minutes_stays_pending(client, place):
    """Nine minutes in, the arrival is still pending."""
    tenant_id, _, _, token = place
    scan(client, token, ACTIVE)
    age_arrivals(client.application, tenant_id, timedelta(minutes=9))
    [arrival] = arrivals(client.application, tenant_id)
    assert client.get(f"/passes/{arrival.pass_key}/status").get_json()["outcome"] == "pending"


def test_expiry_sweep_expires_stale_pending_arrivals(client, place):
    """The periodic sweep expires stale pending arrivals of every tenant and only those."""
    tenant_id, _, _, token = place
    scan(client, token, ACTIVE)
    age_arrivals(client.application, tenant_id, timedelta(minutes=11))
    with client.application.app_context():
        assert expire_arrivals() == 1
        assert expire_arrivals() == 0
    assert arrivals(client.application, tenant_id)[0].outcome == "expired"


def test_status_is_cached_for_sixty_seconds(client, place, sim):
    """A second scan within the minute does not ask the city again; the cache entry lives 60 s."""
    _, _, _, token = place
    scan(client, token, ACTIVE)
    assert lookups(sim) == 1
    client.get(f"/g/{token}")
    assert lookups(sim) == 1
    ttl = Redis.from_url(REDIS_URL).ttl(f"xgm:rider:card:{ACTIVE}")
    assert 55 <= ttl <= 60


def test_cache_is_shared_by_every_tenant(client, new_client, place, city_app, sim):
    """The cache is keyed by rider code: another tenant's gate reuses it."""
    from tests.factories import accept_notice, create_tenant, make_place

    scan(client, place[3], ACTIVE)
    with city_app.app_context():
        other_tenant = create_tenant("乙物业有限公司").id
    _, _, other_token = make_place(city_app, other_tenant, "阳光花园", "南门")
    accept_notice(client, other_token)  # another company: its notice comes first
    client.get(f"/g/{other_token}")
    assert lookups(sim) == 1
    assert count_arrivals(city_app, other_tenant) == 1


def test_rotated_token_stops_scans(client, place, city_app):
    """After rotation the old token is the friendly 404 and the new one works."""
    from tenants import tenant_context
    from xgm.compounds.models import Gate
    from xgm.extensions import db

    tenant_id, _, gate_id, token = place
    scan(client, token, ACTIVE)
    with city_app.app_context(), tenant_context(tenant_id):
        gate = db.session.scalars(db.select(Gate).where(Gate.id == gate_id)).one()
        gate.rotate_token()
        db.session.commit()
        new_token = gate.token
    assert client.get(f"/g/{token}").status_code == 404
    assert client.get(f"/g/{new_token}").status_code == 200


def test_expiry_runs_as_a_periodic_job(client, place):
    """The expiry sweep is a periodic job: each run schedules its next slot, then expires."""
    from xgm.passes.jobs import EXPIRY, expire_arrivals_job
    from xgm.queues import get_queue
    from xgm.queues.periodic import periodic_jobs

    tenant_id, _, _, token = place
    assert EXPIRY in [job.name for job in periodic_jobs()]
    scan(client, token, ACTIVE)
    age_arrivals(client.application, tenant_id, timedelta(minutes=11))
    with client.application.app_context():
        assert expire_arrivals_job() == 1
        scheduled = get_queue("default").scheduled_job_registry.get_job_ids()
    assert len([j for j in scheduled if j.startswith(f"xgm-periodic-{EXPIRY}-")]) == 1
