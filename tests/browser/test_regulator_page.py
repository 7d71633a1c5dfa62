"""Real browser: the county regulator's industry page and the scorecard (screenshots in docs/)."""

import pytest
from playwright.sync_api import sync_playwright

from tests.dashboard import industry_data
from tests.dashboard.industry_data import COUNTY
from tests.factories import PASSWORD, create_observer
from tests.screenshots import screenshot_dir

DOCS = screenshot_dir()
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
QUERY = "period=custom&from=2024-05-01&to=2024-05-14"


@pytest.mark.browser
def test_regulator_pages_in_a_browser(app, live_server):
    """Every table of the industry page shows, the page fits 1280 px, and screenshots are saved."""
    industry_data.build(app)
    with app.app_context():
        create_observer(COUNTY, email="county@gov.example", role="regulator")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.goto(f"{live_server}/login")
            page.fill("#email", "county@gov.example")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/oversight")
            page.goto(f"{live_server}/oversight/industry?{QUERY}")
            assert page.locator("section[id^=table-]").count() == 7
            assert page.locator("#table-platforms tbody tr").count() == 2
            assert page.evaluate("document.documentElement.scrollWidth") <= 1280
            page.screenshot(path=str(DOCS / "regulator-industry.png"), full_page=True)
            page.goto(f"{live_server}/oversight/scorecard?{QUERY}")
            assert page.locator("#compounds tbody tr").count() == 2
            page.screenshot(path=str(DOCS / "scorecard.png"), full_page=True)
        finally:
            browser.close()
