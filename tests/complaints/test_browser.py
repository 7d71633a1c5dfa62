"""Real browser: a guard complains on a 360 px gate phone; the manager follows it on PC and phone."""

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from tenants import tenant_context
from tests.complaints.test_guard import add_arrival
from tests.factories import PASSWORD, PIN, Office, create_guard, load, new_code, page_csrf
from tests.screenshots import screenshot_dir
from xgm.complaints.jobs import deliver_complaint
from xgm.complaints.models import Complaint
from xgm.extensions import db

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
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


def no_horizontal_scroll(page) -> bool:
    """True when the page fits the viewport's width (nothing to scroll sideways)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.browser
def test_guard_files_on_the_phone_manager_follows_it(site, live_server):
    """Tiles, note, done on a 360 px phone; the list and timeline fit a phone and a PC."""
    office = Office(site.app, site.client, site.tenant_id, page_csrf(site.client, "/guards"))
    guard_id = create_guard(site.app, site.tenant_id, site.compound_id, "王建国")
    code = new_code(office, site.compound_id)
    arrival_id = add_arrival(site)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            phone = browser.new_context(**PHONE).new_page()
            # No live stream: a streaming request would outlive the test server's shutdown.
            phone.route("**/guard/stream*", lambda route: route.abort())
            phone.goto(f"{live_server}/device/enroll?code={code}")
            phone.goto(f"{live_server}/guard/signin?guard_id={guard_id}")
            phone.wait_for_selector("form.pinpad-ready")
            with phone.expect_navigation(url=f"{live_server}/guard"):
                for digit in PIN:
                    phone.locator(f'.key[data-key="{digit}"]').tap()

            phone.goto(f"{live_server}/guard/arrivals/{arrival_id}/complain")
            tiles = phone.locator("a.category-tile")
            assert tiles.count() == 7
            for i in range(7):
                box = tiles.nth(i).bounding_box()
                assert box["height"] >= 48 and box["width"] >= 140
            assert no_horizontal_scroll(phone)
            phone.screenshot(path=str(DOCS / "complaint-guard-tiles.png"), full_page=True)
            tiles.filter(has_text="未戴头盔").tap()
            phone.wait_for_selector("textarea#description")
            phone.wait_for_load_state("load")  # its stylesheets too, before measuring
            phone.fill("#description", "未戴头盔，车速很快")
            submit = phone.locator("button[type=submit]")
            assert submit.bounding_box()["height"] >= 48
            submit.tap()
            phone.wait_for_selector(".done-mark")
            phone.wait_for_load_state("load")
            assert "投诉已提交" in phone.inner_text("main")
            assert "未戴头盔" in phone.inner_text(".guard-list")
            assert no_horizontal_scroll(phone)
            phone.screenshot(path=str(DOCS / "complaint-guard-done.png"), full_page=True)

            [complaint_id] = _ids(site)
            with site.app.app_context():
                assert deliver_complaint(site.tenant_id, complaint_id) == "received"

            pc = browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="zh-CN"
            ).new_page()
            _sign_in(pc, live_server)
            pc.goto(f"{live_server}/complaints")
            assert "城市平台已受理" in pc.inner_text("table")
            pc.goto(f"{live_server}/complaints/{complaint_id}")
            timeline = pc.inner_text(".timeline")
            assert "第 1 次发送：城市平台已受理" in timeline
            pc.screenshot(path=str(DOCS / "complaint-timeline-pc.png"), full_page=True)

            manager_phone = browser.new_context(**PHONE).new_page()
            _sign_in(manager_phone, live_server)
            for path in ("/complaints", f"/complaints/{complaint_id}", "/complaints/new"):
                manager_phone.goto(f"{live_server}{path}")
                assert no_horizontal_scroll(manager_phone), path
            manager_phone.goto(f"{live_server}/complaints")
            manager_phone.screenshot(path=str(DOCS / "complaint-list-phone.png"), full_page=True)
        finally:
            browser.close()
    complaint = load(site, complaint_id)[0]
    assert complaint.description == "未戴头盔，车速很快"
    assert complaint.reporter_name == "王建国"


def _ids(site) -> list[int]:
    """The company's complaint ids."""
    with site.app.app_context(), tenant_context(site.tenant_id):
        return list(db.session.scalars(select(Complaint.id)))


def _sign_in(page, live_server: str) -> None:
    """The owner signs in through the login form."""
    page.goto(f"{live_server}/login")
    page.fill("#email", "owner@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
