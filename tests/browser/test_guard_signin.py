"""Real browser: a manager enrolls a gate phone, a guard signs in on it with the PIN pad."""

import subprocess

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import PASSWORD, PIN, make_site
from tests.screenshots import screenshot_dir

DOCS = screenshot_dir()
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.mark.browser
def test_enroll_phone_and_sign_in_with_the_pin_pad(app, client, live_server, tmp_path):
    """Enroll a 360x740 phone with the manager's code, tap the guard's tile, type the PIN: /guard."""
    site = make_site(app, client)
    guard_id = site.add_guard("王建国", phone="13700001111")
    site.add_guard("陈立新", phone="13700002222")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            # The manager, on the office PC, creates the code and its QR.
            office = browser.new_context(viewport={"width": 1280, "height": 900})
            page = office.new_page()
            page.goto(f"{live_server}/login")
            page.fill("#email", "owner@example.com")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/")
            page.goto(f"{live_server}/devices")
            page.locator("form.new-code").filter(has_text="甲苑").locator("button").click()
            page.wait_for_selector("#enroll-code")
            code = page.inner_text("#enroll-code").strip()
            assert len(code) == 8
            qr_png = tmp_path / "qr.png"
            page.locator(".enroll-qr").screenshot(path=str(qr_png))
            decoded = subprocess.run(
                ["zbarimg", "--quiet", "--raw", str(qr_png)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            assert decoded == f"{app.config['XGM_PUBLIC_URL']}/device/enroll?code={code}"

            # The gate phone: enroll by typing the code, then the guard signs in.
            phone_context = browser.new_context(
                viewport={"width": 360, "height": 740},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
            )
            phone = phone_context.new_page()
            phone.goto(f"{live_server}/device/enroll")
            phone.fill("#code", code)
            phone.click("button[type=submit]")
            phone.wait_for_url(f"{live_server}/guard/signin")
            tiles = phone.locator("a.tile")
            assert tiles.count() == 2
            tile_box = tiles.first.bounding_box()
            assert tile_box["height"] >= 48 and tile_box["width"] >= 140
            phone.screenshot(path=str(DOCS / "guard-signin.png"), full_page=True)

            phone.locator("a.tile", has_text="王建国").tap()
            phone.wait_for_selector("form.pinpad-ready")
            keys = phone.locator(".pinpad .key")
            assert keys.count() == 12
            for i in range(keys.count()):
                box = keys.nth(i).bounding_box()
                assert box["height"] >= 48 and box["width"] >= 48
            # The pad replaces the phone's keyboard: the field is read-only and out of view.
            assert phone.get_attribute("#pin", "readonly") is not None
            assert phone.locator("#pin").bounding_box()["x"] < 0
            for digit in PIN[:3]:
                phone.locator(f'.key[data-key="{digit}"]').tap()
            assert phone.locator(".pin-dots .dot.on").count() == 3
            phone.screenshot(path=str(DOCS / "guard-pinpad.png"), full_page=True)
            with phone.expect_navigation(url=f"{live_server}/guard"):
                for digit in PIN[3:]:
                    phone.locator(f'.key[data-key="{digit}"]').tap()
            assert phone.url == f"{live_server}/guard"
            assert phone.inner_text("#guard-name") == "王建国"
            assert phone.locator("#arrivals").count() == 1
            handover = phone.locator("button.handover-btn").bounding_box()
            assert handover["height"] >= 48
            phone.screenshot(path=str(DOCS / "guard-console.png"), full_page=True)
        finally:
            browser.close()
    assert len(site.sessions(guard_id)) == 1
