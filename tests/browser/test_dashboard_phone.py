"""Real browser: the manager dashboard on a 360x740 phone (screenshot in docs/)."""

import random
from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright

from tenants import tenant_context, utcnow
from tests.dashboard import data
from tests.factories import PASSWORD, create_tenant, create_user
from tests.screenshots import screenshot_dir
from xgm.extensions import db
from xgm.passes.models import Arrival

DOCS = screenshot_dir()
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
PLATFORMS = ["美团", "美团", "美团", "饿了么", "饿了么", "达达", "顺丰同城"]
REASONS = ["未戴头盔", "无订单信息", "电动车不让进"]


def _week_of_arrivals(tenant_id: int, compound_id: int, gate_ids: list[int]) -> None:
    """About 400 arrivals over the last 7 days, busiest at lunch and dinner time."""
    rng = random.Random(7)
    now = utcnow()
    hours = [
        h for h in range(24) for _ in range(1 + 6 * (h in (11, 12, 17, 18)) + 2 * (8 <= h <= 21))
    ]
    with tenant_context(tenant_id):
        for i in range(400):
            at = (now - timedelta(days=rng.randrange(7))).replace(
                hour=(rng.choice(hours) - 8) % 24, minute=rng.randrange(60)
            )
            if at > now:
                at -= timedelta(days=1)
            outcome = rng.choices(
                ["admitted", "denied", "refused", "expired"], weights=[90, 4, 3, 3]
            )[0]
            wait = rng.lognormvariate(2.6, 0.6) if outcome in ("admitted", "denied") else None
            db.session.add(
                Arrival(
                    compound_id=compound_id,
                    gate_id=rng.choice(gate_ids),
                    rider_code=f"XGM3301{i:08d}",
                    rider_name="骑手",
                    platform_name=rng.choice(PLATFORMS),
                    created_at=at,
                    decided_at=at + timedelta(seconds=wait) if wait else None,
                    outcome=outcome,
                    reason=rng.choice(REASONS) if outcome == "denied" else "",
                    refusal="suspended" if outcome == "refused" else "",
                )
            )
        db.session.commit()


@pytest.mark.browser
def test_dashboard_reads_on_a_phone(app, live_server):
    """At 360 px the dashboard has no sideways scroll, its charts fit, and a screenshot is saved."""
    with app.app_context():
        tenant = create_tenant("阳光物业服务有限公司")
        create_user(tenant, "manager", email="manager@example.com", name="李经理")
        compound = data.compound(tenant.id, "阳光花园")
        gates = [data.gate(tenant.id, compound, name) for name in ("东门", "西门", "北门")]
        _week_of_arrivals(tenant.id, compound, gates[:2])
        for status in ("received", "received", "investigating", "resolved"):
            data.complaint(tenant.id, compound, utcnow() - timedelta(days=2), status)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 360, "height": 740},
                device_scale_factor=2,
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
            )
            page = context.new_page()
            page.goto(f"{live_server}/login")
            page.fill("#email", "manager@example.com")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/")
            page.goto(f"{live_server}/dashboard?period=7d")
            assert page.locator("svg.chart").count() == 3
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            for chart in page.locator("svg.chart").all():
                box = chart.bounding_box()
                assert box["width"] <= 360 - 2 * 16 and box["height"] > 60
            assert page.locator(".kpi").count() == 6
            assert "北门" in page.inner_text("body")  # never scanned: listed as idle
            page.screenshot(path=str(DOCS / "dashboard-phone.png"), full_page=True)
        finally:
            browser.close()
