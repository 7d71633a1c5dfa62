"""Real browser, two phones (360x740): the rider scans, the guard sees the card and admits, the pass flips."""

import threading
import time

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from tenants import tenant_context
from tests.browser.test_guard_signin import CHROMIUM_ARGS
from tests.conftest import app_config
from tests.factories import CLIENT_ID, PIN, SECRET, city_config, make_site
from tests.screenshots import screenshot_dir
from xgm import create_app
from xgm.citysim.process import SimProcess, free_port
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.privacy.viewings import close_viewing_buffer

DOCS = screenshot_dir()
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
# How long one screen may take to show what another did. The pages poll every 1.5 s and the
# stream pushes at once; the margin is for a loaded CI machine, where a browser or the test
# server can stall for seconds (it once missed a 5 s wait there). Speed is for bench/.
SEEN_MS = 20_000


@pytest.fixture
def served(app, database_url, tmp_path):
    """The app on a real port with its own simulator process, each pointing at the other."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sim = SimProcess(
        client_id=CLIENT_ID,
        secret=SECRET,
        public_url=base,
        log_path=tmp_path / "citysim.log",
    )
    with sim:
        web = create_app(app_config(database_url, XGM_PUBLIC_URL=base, **city_config(sim.url)))
        server = make_server("127.0.0.1", port, web, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield base, sim
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            close_viewing_buffer(web)  # its streams' access-log rows, before the test ends
            with web.app_context():
                db.engine.dispose()


def gate_token(app, tenant_id: int, gate_id: int) -> str:
    """A gate's QR token; the compound gets a building list for the pass."""
    with app.app_context(), tenant_context(tenant_id):
        gate = db.session.scalars(select(Gate).where(Gate.id == gate_id)).one()
        compound = db.session.scalars(select(Compound).where(Compound.id == gate.compound_id)).one()
        compound.buildings = "1幢\n2幢\n3幢\n5幢\n6幢\n7幢"
        db.session.commit()
        return gate.token


def guard_phone(browser, base: str, code: str, guard_name: str, locale: str = "zh-CN"):
    """A gate phone enrolled with the code, the guard signed in with the PIN pad, on /guard."""
    context = browser.new_context(**{**PHONE, "locale": locale})
    page = context.new_page()
    page.goto(f"{base}/device/enroll?code={code}")
    page.wait_for_url(f"{base}/guard/signin")
    page.locator("a.tile", has_text=guard_name).tap()
    page.wait_for_selector("form.pinpad-ready")
    with page.expect_navigation(url=f"{base}/guard"):
        for digit in PIN:
            page.locator(f'.key[data-key="{digit}"]').tap()
    page.wait_for_selector("#feed")
    return page


def rider_scan(browser, base: str, token: str, rider_name: str):
    """A rider's phone scans the gate and signs in at the city as `rider_name`."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{base}/g/{token}")
    page.wait_for_selector("ul.riders")  # the city's sign-in page
    page.locator("li.rider", has_text=rider_name).locator("button").click()
    page.wait_for_url(f"{base}/g/{token}")
    page.wait_for_selector(".scan-notice")  # the company's privacy notice, before the first scan
    page.locator("button", has_text="知道了").click()
    page.wait_for_selector(".pass-name, .refusal-name, .scan-refused, main")
    return page


@pytest.mark.browser
def test_rider_scans_guard_admits_and_the_pass_flips(app, client, served):
    """Two Chromium phones: the card reaches the guard live, 放行 turns the rider's pass green."""
    base, _sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    token = gate_token(app, site.tenant_id, site.gate_id)
    code = site.new_code()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            guard = guard_phone(browser, base, code, "王建国")
            time.sleep(0.5)  # let the console's EventSource connect
            rider = rider_scan(browser, base, token, "王小明")
            rider.wait_for_selector('#pass[data-outcome="pending"]')
            assert rider.inner_text(".pass-name") == "王小明"
            assert "甲苑" in rider.inner_text(".pass-compound")
            assert rider.locator(".pass-buildings li").count() == 6
            assert rider.locator(".pass-photo").evaluate("img => img.naturalWidth") > 0
            first = rider.inner_text("#clock")
            time.sleep(1.2)
            assert rider.inner_text("#clock") != first  # the clock runs
            runner = rider.locator(".pass-runner")
            x1 = runner.bounding_box()["x"]
            time.sleep(0.4)
            assert runner.bounding_box()["x"] != x1  # the band moves

            card = guard.locator(".acard", has_text="王小明")
            card.wait_for(timeout=SEEN_MS)
            assert card.get_attribute("data-outcome") == "pending"
            assert "美团外卖" in card.inner_text()
            assert card.locator(".call-rider strong").inner_text() == "138****1234"
            assert card.locator('a[href="tel:0571-64610000"]').count() == 1
            assert card.locator(".acard-photo").first.evaluate("img => img.naturalWidth") > 0
            for button in (".act-admit", ".act-deny"):
                assert card.locator(button).bounding_box()["height"] >= 48
            guard.screenshot(path=str(DOCS / "guard-console.png"), full_page=True)
            rider.screenshot(path=str(DOCS / "rider-pass.png"), full_page=True)

            card.locator(".act-admit").tap()
            rider.wait_for_selector('#pass[data-outcome="admitted"]', timeout=SEEN_MS)
            assert "已放行" in rider.inner_text(".pass-state")
            guard.wait_for_selector('.acard[data-outcome="admitted"]', timeout=SEEN_MS)
            rider.wait_for_timeout(400)  # the banner colour fades in
            rider.screenshot(path=str(DOCS / "rider-pass-admitted.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.browser
def test_suspended_rider_sees_red_and_guard_sees_the_refusal(app, client, served):
    """A suspended rider's phone turns red with whom to call; the guard's card says why."""
    base, _sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    token = gate_token(app, site.tenant_id, site.gate_id)
    code = site.new_code()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            guard = guard_phone(browser, base, code, "王建国")
            time.sleep(0.5)
            rider = rider_scan(browser, base, token, "刘洋")
            rider.wait_for_selector(".refusal")
            assert "禁止通行" in rider.inner_text(".refusal-title")
            assert rider.locator('a.call[href="tel:0571-64612345"]').count() == 1
            card = guard.locator('.acard[data-outcome="refused"]', has_text="刘洋")
            card.wait_for(timeout=SEEN_MS)
            assert card.locator(".act-admit").is_hidden()
            rider.screenshot(path=str(DOCS / "rider-refused.png"), full_page=True)
        finally:
            browser.close()


@pytest.mark.browser
def test_english_guard_console_punctuates_a_denial_in_english(app, client, served):
    """A gate phone set to English: the denied card reads "Denied: <reason> (<guard>)", with
    no Chinese full-width punctuation joined in by the script."""
    base, _sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    token = gate_token(app, site.tenant_id, site.gate_id)
    code = site.new_code()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            guard = guard_phone(browser, base, code, "王建国", locale="en-US")
            time.sleep(0.5)
            rider_scan(browser, base, token, "王小明")
            card = guard.locator(".acard", has_text="王小明")
            card.wait_for(timeout=SEEN_MS)
            card.locator(".act-deny").tap()
            card.locator(".deny-text").fill("no helmet")
            card.locator(".act-deny-confirm").tap()
            guard.wait_for_selector('.acard[data-outcome="denied"]', timeout=SEEN_MS)
            reason = card.locator(".acard-reason").inner_text()
            assert reason == "Denied: no helmet (王建国)"
        finally:
            browser.close()
