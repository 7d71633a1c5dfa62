"""Real browser, 360x740: the gate phone as a gate terminal and the waiting alarm.

The pages are instrumented by an init script (navigator.vibrate, AudioScheduledSourceNode.start
and navigator.wakeLock.request are counted; the wake lock is a stand-in, since a headless
browser never grants one), so the test sees what the guard would hear and feel.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select, update

from tenants import tenant_context
from tests.browser.test_guard_signin import CHROMIUM_ARGS
from tests.browser.test_scan_flow import DOCS, PHONE, SEEN_MS, gate_token, rider_scan, served  # noqa: F401
from tests.factories import PIN, create_gate, make_site
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.passes.waiting import sweep_unattended

INSTRUMENT = """
(() => {
  const counts = { vibrate: 0, audio: 0, wake: 0 };
  window.__terminal = counts;
  navigator.vibrate = function () { counts.vibrate += 1; return true; };
  const start = AudioScheduledSourceNode.prototype.start;
  AudioScheduledSourceNode.prototype.start = function () {
    counts.audio += 1;
    return start.apply(this, arguments);
  };
  const locks = [];
  window.__locks = locks;
  Object.defineProperty(navigator, "wakeLock", {
    configurable: true,
    value: {
      request(type) {
        counts.wake += 1;
        const lock = new EventTarget();
        lock.type = type;
        lock.released = false;
        locks.push(lock);
        return Promise.resolve(lock);
      },
    },
  });
})();
"""

COUNTS = "() => ({...window.__terminal})"


def guard_phone(browser, base: str, code: str, guard_name: str):
    """An instrumented gate phone, enrolled with the code, the guard signed in, duty started."""
    context = browser.new_context(**PHONE)
    context.add_init_script(INSTRUMENT)
    page = context.new_page()
    page.goto(f"{base}/device/enroll?code={code}")
    page.wait_for_url(f"{base}/guard/signin")
    page.locator("a.tile", has_text=guard_name).tap()
    page.wait_for_selector("form.pinpad-ready")
    with page.expect_navigation(url=f"{base}/guard"):
        for digit in PIN:
            page.locator(f'.key[data-key="{digit}"]').tap()
    page.wait_for_selector('#conn[data-state="live"]')
    return page


def start_duty(page) -> None:
    """The guard taps 开始值班: sound unlocked, the wake lock asked for."""
    page.locator("#duty-start").tap()
    page.wait_for_selector("#duty-on:not([hidden])")
    page.wait_for_function("() => window.__terminal.wake >= 1")


def counts(page) -> dict:
    return page.evaluate(COUNTS)


@pytest.mark.browser
def test_gate_terminal_alerts_and_escalates_to_a_second_phone(app, client, served):  # noqa: F811
    """Manifest, 开始值班, a new card's sound and vibration, the wake lock (again when visible),
    the connection indicator, the urgent card repeating its alert, and the escalation reaching
    the phone of another gate; the masked phone, the deny panel and the handover summary."""
    base, _sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    site.add_guard("陈立新", phone="13700002222")
    with app.app_context():
        north = create_gate(site.tenant_id, site.home, "北门")
    token = gate_token(app, site.tenant_id, site.gate_id)
    with app.app_context(), tenant_context(site.tenant_id):
        # Below what the form allows (10 s), so the test need not wait 30 s for the first alarm.
        db.session.execute(
            update(Compound).where(Compound.id == site.home).values(wait_alarm_seconds=3)
        )
        db.session.commit()
    east_code, north_code = site.new_code(gate_id=site.gate_id), site.new_code(gate_id=north)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            east = guard_phone(browser, base, east_code, "王建国")
            north_phone = guard_phone(browser, base, north_code, "陈立新")

            # The manifest the page links is served and names the console, full screen.
            href = east.locator('link[rel="manifest"]').get_attribute("href")
            manifest = east.evaluate(
                "url => fetch(url).then(r => r.json().then(j => [r.headers.get('content-type'), j]))",
                href,
            )
            assert manifest[0].startswith("application/manifest+json")
            assert (manifest[1]["start_url"], manifest[1]["display"]) == ("/guard", "fullscreen")

            # 开始值班: the wake lock is requested, and again when the page is visible again.
            east.screenshot(path=str(DOCS / "guard-terminal-start.png"), full_page=True)
            start_duty(east)
            start_duty(north_phone)
            assert counts(east)["wake"] == 1
            east.evaluate("""() => {
              window.__locks[0].dispatchEvent(new Event("release"));
              Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
              document.dispatchEvent(new Event("visibilitychange"));
            }""")
            east.wait_for_function("() => window.__terminal.wake === 2")
            assert east.inner_text("#conn-text") == "实时"
            assert east.inner_text("#conn-time").startswith("更新于 ")

            # A new card: the chime (two tones) and a vibration, on the gate's phone only.
            before, north_before = counts(east), counts(north_phone)
            rider = rider_scan(browser, base, token, "王小明")
            rider.wait_for_selector('#pass[data-outcome="pending"]')
            card = east.locator(".acard", has_text="王小明")
            card.wait_for(timeout=SEEN_MS)
            east.wait_for_function(f"() => window.__terminal.vibrate > {before['vibrate']}")
            after = counts(east)
            assert after["audio"] >= before["audio"] + 2
            assert counts(north_phone) == north_before

            # Legible at arm's length; the phone masked.
            status_px = card.locator(".acard-status").evaluate(
                "el => parseFloat(getComputedStyle(el).fontSize)"
            )
            assert status_px >= 18
            photo = card.locator("img.acard-photo").bounding_box()
            assert photo["width"] >= 120 and photo["height"] >= 150
            assert card.locator(".call-rider strong").inner_text() == "138****1234"
            assert "13800001234" not in east.content()

            # Past the compound's first threshold (3 s here): urgent, and the alert repeats.
            east.wait_for_selector(".acard.is-urgent", timeout=SEEN_MS)
            urgent = counts(east)
            east.screenshot(path=str(DOCS / "guard-terminal-urgent.png"), full_page=True)
            east.wait_for_function(
                f"() => window.__terminal.vibrate > {urgent['vibrate']}", timeout=10_000 + SEEN_MS
            )
            assert counts(east)["audio"] >= urgent["audio"] + 3  # three beeps

            # Past the second threshold the server marks it unattended (the worker's sweep, no
            # phone asking) and the other gate's phone, which never had the card, alerts too.
            with app.app_context(), tenant_context(site.tenant_id):
                waiting = db.session.scalars(select(Arrival)).one()
                waiting.created_at -= timedelta(seconds=120)
                db.session.commit()
            north_before = counts(north_phone)
            with app.app_context():
                assert sweep_unattended() == 1
            far = north_phone.locator(".acard.is-unattended", has_text="王小明")
            far.wait_for(timeout=SEEN_MS)
            north_phone.wait_for_function(
                f"() => window.__terminal.vibrate > {north_before['vibrate']}"
            )
            assert counts(north_phone)["audio"] >= north_before["audio"] + 3
            assert "无人处理" in far.inner_text()
            east.wait_for_selector(".acard.is-unattended")
            north_phone.screenshot(path=str(DOCS / "guard-terminal-escalated.png"), full_page=True)

            # The deny panel opens with the reason chips and no keyboard (nothing focused).
            card.locator(".act-deny").tap()
            assert card.locator(".deny-panel").is_visible()
            focused = east.evaluate("() => document.activeElement.className")
            assert "deny-text" not in focused
            card.locator(".act-cancel").tap()

            # Tap the masked number: the full number in a dialog, the call button dials it.
            card.locator(".call-rider").tap()
            east.wait_for_selector("#phone-dialog[open]")
            assert east.inner_text("#phone-dialog-number") == "13800001234"
            call = east.locator("#phone-dialog-call")
            assert call.get_attribute("href") == "tel:13800001234"
            assert call.bounding_box()["height"] >= 48
            east.screenshot(path=str(DOCS / "guard-phone-dialog.png"))
            east.locator("#phone-dialog-close").tap()

            # The other gate's phone takes it: 放行 there, the rider's pass turns green.
            far.locator(".act-admit").tap()
            rider.wait_for_selector('#pass[data-outcome="admitted"]', timeout=SEEN_MS)
            east.wait_for_selector('.acard[data-outcome="admitted"]', timeout=SEEN_MS)
            with app.app_context(), tenant_context(site.tenant_id):
                arrival = db.session.scalars(select(Arrival)).one()
                assert arrival.decided_by_name == "陈立新" and arrival.unattended_at is not None

            # Offline: the indicator says so.
            east.context.set_offline(True)
            east.wait_for_selector('#conn[data-state="offline"]')
            assert east.inner_text("#conn-text") == "离线"
            east.context.set_offline(False)

            # 交班 asks first, with the shift's summary.
            north_phone.locator("button.handover-btn").tap()
            north_phone.wait_for_selector(".shift-summary")
            assert north_phone.inner_text(".shift-admitted strong") == "1"
            north_phone.screenshot(path=str(DOCS / "guard-handover.png"), full_page=True)
            north_phone.locator("text=继续值班").tap()
            north_phone.wait_for_selector("#feed")
        finally:
            browser.close()
