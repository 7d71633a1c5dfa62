"""Every refusal says why and whom to call; a suspended company's gates take no scans."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tenants import Tenant
from tests.factories import (
    ACTIVE,
    ACTIVE_2,
    Duty,
    arrivals,
    control,
    held_event,
    lookups,
    post_event,
    sign_in_rider,
)
from xgm.extensions import db


@pytest.fixture
def duty(city_app, new_client):
    """A company with a guard on duty at 甲苑 东门 (property hotline 0571-64610001)."""
    return Duty(city_app, new_client)


def waiting(duty, rider_code: str = ACTIVE):
    """A rider whose pass is waiting at the gate: (browser, pass key)."""
    browser, page = duty.rider(rider_code)
    assert 'data-outcome="pending"' in page.get_data(as_text=True)
    [arrival] = [a for a in arrivals(duty.app, duty.site.tenant_id) if a.rider_code == rider_code]
    return browser, arrival.pass_key


def red_screen(browser, key: str) -> str:
    """What the pass's own URL shows now (the pass script goes there once it turns red)."""
    response = browser.get(f"/passes/{key}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'class="rider refused' in body
    return body


def test_pass_refused_by_a_status_webhook_shows_why_and_whom_to_call(duty, sim):
    """Suspended by the city while waiting: the pass turns refused, and its page says why, with
    the station's supervision phone and the city hotline, as a refusal at the scan does."""
    browser, key = waiting(duty)
    control(sim, "POST", f"/_sim/riders/{ACTIVE}/status", {"status": "suspended"})
    assert post_event(browser, held_event(sim)).status_code == 200
    assert browser.get(f"/passes/{key}/status").get_json()["outcome"] == "refused"
    body = red_screen(browser, key)
    assert "禁止通行" in body and "已被城市平台暂停" in body
    assert 'href="tel:0571-64610000"' in body  # the station's supervision phone (city card)
    assert 'href="tel:0571-12345"' in body and "城市监管热线" in body


def test_pass_refused_by_a_new_block_shows_reason_and_until_when(duty):
    """A manager's new block while the rider waits: refused at once (both screens), with the
    block's reason, until when, and the property's hotline."""
    browser, key = waiting(duty)
    until = date.today() + timedelta(days=7)
    response = duty.site.office.post(
        "/blocks",
        {
            "rider_code": ACTIVE,
            "compound_id": "0",
            "reason": "多次逆行",
            "ends_on": until.isoformat(),
        },
    )
    assert response.status_code == 302
    state = browser.get(f"/passes/{key}/status").get_json()
    assert (state["outcome"], state["refusal"], state["reason"]) == (
        "refused",
        "blocked",
        "多次逆行",
    )
    [card] = duty.listed()
    assert (card["outcome"], card["refusal"], card["reason"]) == ("refused", "blocked", "多次逆行")
    body = red_screen(browser, key)
    assert "原因：多次逆行" in body
    assert f"禁止进入至 {until.isoformat()} 23:59" in body
    assert 'href="tel:0571-64610001"' in body and "物业服务电话" in body


def test_block_of_another_rider_or_compound_leaves_the_pass_waiting(duty):
    """Only the blocked rider's waiting passes at the blocked compound turn refused."""
    browser, key = waiting(duty)
    duty.site.office.post(
        "/blocks", {"rider_code": ACTIVE_2, "compound_id": "0", "reason": "态度恶劣"}
    )
    duty.site.office.post(
        "/blocks", {"rider_code": ACTIVE, "compound_id": str(duty.site.other), "reason": "别处"}
    )
    assert browser.get(f"/passes/{key}/status").get_json()["outcome"] == "pending"


def test_blocked_rider_scanning_sees_until_lifted(duty):
    """A block with no end: the refusal at the scan says it holds until the property lifts it."""
    duty.site.office.post("/blocks", {"rider_code": ACTIVE, "compound_id": "0", "reason": "偷盗"})
    browser, page = duty.rider(ACTIVE)
    body = page.get_data(as_text=True)
    assert "原因：偷盗" in body and "长期禁止，直至物业解除" in body
    assert 'href="tel:0571-64610001"' in body


def test_denied_rider_sees_the_reason_and_the_property_hotline(duty):
    """The guard denies: the pass page says 未获放行, the guard's reason and name, the hotline."""
    browser, key = waiting(duty)
    [item] = duty.listed()
    assert duty.act(item["id"], "deny", {"reason": "非本小区订单"}).status_code == 200
    body = red_screen(browser, key)
    assert "未获放行" in body and "原因：非本小区订单" in body and "赵保安" in body
    assert 'href="tel:0571-64610001"' in body
    assert "城市监管热线" not in body


def test_waiting_pass_page_goes_to_its_own_url_when_it_turns_red(duty):
    """The live pass carries the URL its script opens on refusal or denial."""
    _, page = duty.rider(ACTIVE)
    [arrival] = arrivals(duty.app, duty.site.tenant_id)
    assert f'data-pass-url="/passes/{arrival.pass_key}"' in page.get_data(as_text=True)


def suspend(app, tenant_id: int, status: str = "suspended") -> None:
    """The operator suspends (or resumes) the company, through the ORM as /ops does."""
    with app.app_context():
        tenant = db.session.scalars(select(Tenant).where(Tenant.id == tenant_id)).one()
        tenant.status = status
        db.session.commit()


def test_suspended_company_gate_takes_no_scan(duty, sim, new_client):
    """Every scan at a suspended company's gate gets the paused page, and no arrival is made:
    a signed-in rider, a new one, and the manual form alike. Resumed, scans work again."""
    rider = new_client()
    sign_in_rider(rider, duty.token, ACTIVE)  # signed in before the suspension
    before = lookups(sim)
    suspend(duty.app, duty.site.tenant_id)
    for browser, path in (
        (rider, f"/g/{duty.token}"),
        (new_client(), f"/g/{duty.token}"),
        (new_client(), f"/g/{duty.token}/manual"),
    ):
        response = browser.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 403
        assert "本小区已暂停小哥码通行" in body and "询问门卫" in body
    assert arrivals(duty.app, duty.site.tenant_id) == []
    assert lookups(sim) == before  # the city is not even asked
    suspend(duty.app, duty.site.tenant_id, "active")
    assert 'data-outcome="pending"' in rider.get(f"/g/{duty.token}").get_data(as_text=True)
    assert len(arrivals(duty.app, duty.site.tenant_id)) == 1
