"""Real browser, 360x740 phones: the city down (its port closed, or told to fail), and every
refusal saying why and whom to call on the rider's screen."""

from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.browser.test_guard_signin import CHROMIUM_ARGS
from tests.browser.test_scan_flow import (
    DOCS,
    PHONE,
    SEEN_MS,
    gate_token,
    guard_phone,
    rider_scan,
    served,  # noqa: F401  - the fixture
)
from tests.factories import make_site
from xgm.blocks.rules import add_block
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.queues import get_redis
from xgm.riders.city import CARD_KEY


def city_down(sim) -> None:
    """Tell the simulator to answer 503 to every API call and code exchange."""
    sim.control("POST", "/_sim/down", {"down": True})


def age_arrivals(app, tenant_id: int) -> None:
    """Move the tenant's arrivals an hour back: the next scan is a new visit."""
    with app.app_context(), tenant_context(tenant_id):
        for arrival in db.session.scalars(select(Arrival)):
            arrival.created_at = arrival.created_at - timedelta(hours=1)
        db.session.commit()


def new_phone(browser):
    """A fresh phone: a browser context of its own (no rider cookie)."""
    return browser.new_context(**PHONE).new_page()


@pytest.mark.browser
def test_outage_banner_offline_pass_and_manual_form(app, client, served):  # noqa: F811
    """The city's port closes: the guard's banner shows; a rider confirmed earlier passes
    离线核验 (both screens); a new rider gets the manual form; the city back, the banner
    clears. (Within 5 s each way is held by tests/passes/test_city_outage.py, on the stream
    itself: a browser on a loaded machine adds its own seconds.)"""
    base, sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    token = gate_token(app, site.tenant_id, site.gate_id)
    code = site.new_code()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            guard = guard_phone(browser, base, code, "王建国")
            banner = guard.locator("#city-down")
            rider = rider_scan(browser, base, token, "王小明")  # the city confirms him now
            card = guard.locator(".acard", has_text="王小明")
            card.wait_for(timeout=SEEN_MS)
            card.locator(".act-admit").tap()
            guard.wait_for_selector('.acard[data-outcome="admitted"]', timeout=SEEN_MS)
            assert banner.is_hidden()

            sim.stop()  # the city's port is closed
            newcomer = new_phone(browser)
            newcomer.goto(f"{base}/g/{token}")  # no cookie: not sent to a dead sign-in page
            assert "人工登记" in newcomer.inner_text("h1")
            assert newcomer.locator('input[name="phone"]').count() == 1
            banner.wait_for(state="visible", timeout=SEEN_MS)
            assert "城市平台连接中断" in banner.inner_text()
            newcomer.screenshot(path=str(DOCS / "rider-manual-city-down.png"), full_page=True)

            age_arrivals(app, site.tenant_id)  # he comes back later: a new visit
            with app.app_context():
                get_redis().delete(CARD_KEY + "XGM330122000123")  # the 60 s cache ran out
            rider.goto(f"{base}/g/{token}")
            rider.wait_for_selector('#pass[data-outcome="pending"]')
            assert rider.locator(".flag-offline").is_visible()
            assert "离线核验" in rider.inner_text(".pass-flags")
            offline = guard.locator('.acard[data-outcome="pending"]', has_text="王小明")
            offline.wait_for(timeout=SEEN_MS)
            assert offline.locator('[data-f="offline"]').is_visible()
            guard.screenshot(path=str(DOCS / "guard-console-city-down.png"), full_page=True)
            rider.screenshot(path=str(DOCS / "rider-pass-offline.png"), full_page=True)

            sim.start()  # the same port answers again
            banner.wait_for(state="hidden", timeout=SEEN_MS)
        finally:
            browser.close()


@pytest.mark.browser
def test_sign_in_failing_at_the_city_ends_on_the_manual_form(app, client, served):  # noqa: F811
    """A rider on the city's sign-in page when the city starts failing: the code exchange
    fails, and the phone lands on the manual form; sending it makes a 人工登记 card."""
    base, sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    token = gate_token(app, site.tenant_id, site.gate_id)
    code = site.new_code()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            guard = guard_phone(browser, base, code, "王建国")
            rider = new_phone(browser)
            rider.goto(f"{base}/g/{token}")
            rider.wait_for_selector("ul.riders")  # the city's sign-in page
            city_down(sim)
            rider.locator("li.rider", has_text="王小明").locator("button").click()
            rider.wait_for_url(f"{base}/g/{token}/manual")
            assert "城市平台暂时无法连接" in rider.inner_text(".banner-warn")
            rider.fill('input[name="name"]', "王小明")
            rider.fill('input[name="phone"]', "13800001234")
            rider.select_option('select[name="platform"]', label="美团外卖")
            rider.locator('button[type="submit"]').click()
            rider.wait_for_selector('#pass[data-outcome="pending"]')
            assert "人工登记" in rider.inner_text(".pass-flags")
            card = guard.locator(".acard.is-manual", has_text="王小明")
            card.wait_for(timeout=SEEN_MS)
            guard.locator("#city-down").wait_for(state="visible", timeout=SEEN_MS)
        finally:
            browser.close()


def hotline_of(app, tenant_id: int, compound_id: int) -> str:
    with app.app_context(), tenant_context(tenant_id):
        return db.session.scalars(select(Compound.hotline).where(Compound.id == compound_id)).one()


@pytest.mark.browser
def test_refused_blocked_and_denied_screens_say_why_and_whom_to_call(app, client, served):  # noqa: F811
    """Three waiting riders: the guard denies one, the manager blocks one, the city suspends
    one; each rider's screen turns red with the reason and the number to call."""
    base, sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    token = gate_token(app, site.tenant_id, site.gate_id)
    hotline = hotline_of(app, site.tenant_id, site.home)
    code = site.new_code()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            guard = guard_phone(browser, base, code, "王建国")
            denied = rider_scan(browser, base, token, "王小明")
            blocked = rider_scan(browser, base, token, "张伟")
            for page in (denied, blocked):
                page.wait_for_selector('#pass[data-outcome="pending"]')

            card = guard.locator(".acard", has_text="王小明")
            card.wait_for(timeout=SEEN_MS)
            card.locator(".act-deny").tap()
            card.locator(".deny-text").fill("非本小区订单")
            card.locator(".act-deny-confirm").tap()
            denied.wait_for_selector('.refusal[data-outcome="denied"]', timeout=SEEN_MS)
            why = denied.inner_text(".refusal-why")
            assert "非本小区订单" in why and "王建国" in why
            assert denied.locator(f'a.call[href="tel:{hotline}"]').count() == 1
            denied.screenshot(path=str(DOCS / "rider-denied.png"), full_page=True)

            with app.app_context(), tenant_context(site.tenant_id):
                add_block(
                    "XGM330122000131",
                    "多次逆行",
                    compound_id=None,
                    ends_at=utcnow() + timedelta(days=7),
                    by_kind="user",
                    by_id=None,
                    by_name="物业经理",
                )
            blocked.wait_for_selector('.refusal[data-refusal="blocked"]', timeout=SEEN_MS)
            why = blocked.inner_text(".refusal-why")
            assert "多次逆行" in why and "禁止进入至" in why
            assert blocked.locator(f'a.call[href="tel:{hotline}"]').count() == 1
            guard.locator('.acard[data-outcome="refused"]', has_text="张伟").wait_for(
                timeout=SEEN_MS
            )
            blocked.screenshot(path=str(DOCS / "rider-blocked.png"), full_page=True)

            age_arrivals(app, site.tenant_id)  # 王小明 comes back later: a new pass
            suspended = rider_scan(browser, base, token, "王小明")
            suspended.wait_for_selector('#pass[data-outcome="pending"]')
            sim.control("POST", "/_sim/riders/XGM330122000123/status", {"status": "suspended"})
            suspended.wait_for_selector('.refusal[data-refusal="suspended"]', timeout=SEEN_MS)
            assert "暂停" in suspended.inner_text(".refusal-why")
            assert suspended.locator('a.call[href="tel:0571-64610000"]').count() == 1
            assert suspended.locator("a.call", has_text="城市监管热线").count() == 1
            suspended.screenshot(path=str(DOCS / "rider-refused-while-waiting.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.browser
def test_suspended_company_gate_shows_the_paused_page(app, client, served):  # noqa: F811
    """A suspended company's gate: the rider's phone says entry is paused, ask the guard."""
    from tenants import Tenant

    base, _sim = served
    site = make_site(app, client)
    token = gate_token(app, site.tenant_id, site.gate_id)
    with app.app_context():
        db.session.get(Tenant, site.tenant_id).status = "suspended"
        db.session.commit()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            rider = new_phone(browser)
            response = rider.goto(f"{base}/g/{token}")
            assert response.status == 403
            assert "暂停小哥码通行" in rider.inner_text("h1")
            assert "询问门卫" in rider.inner_text(".lead-text")
            rider.screenshot(path=str(DOCS / "rider-gate-paused.png"), full_page=True)
        finally:
            browser.close()
