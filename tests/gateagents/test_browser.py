"""Real browser: a manager pairs a gate agent and tests the barrier on a 360 px phone."""

import pytest
import requests
from playwright.sync_api import sync_playwright

from tests.factories import (
    PASSWORD,
    PLAIN_COMPOUND,
    create_compound,
    create_gate,
    create_tenant,
    create_user,
)
from tests.screenshots import screenshot_dir

DOCS = screenshot_dir()
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]


@pytest.mark.browser
def test_manager_pairs_an_agent_and_sees_its_result_on_a_phone(app, live_server):
    """Compound page -> 开闸器 -> 配对开闸器 shows the code; the agent pairs with it; 试开闸 and
    the agent's result appear on the gate page; no sideways scroll at 360 px."""
    with app.app_context():
        tenant = create_tenant("阳光物业服务有限公司")
        create_user(tenant, "manager", email="manager@example.com", name="李经理")
        compound = create_compound(tenant.id, "阳光花园", **PLAIN_COMPOUND)
        gate = create_gate(tenant.id, compound, "东门")
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
            page.on("dialog", lambda dialog: dialog.accept())  # the 试开闸 confirmation
            page.goto(f"{live_server}/login")
            page.fill("#email", "manager@example.com")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/")
            page.goto(f"{live_server}/compounds/{compound}")
            page.click(f"a[href='/gates/{gate}/agents']")
            page.click("button:has-text('配对开闸器')")
            code = page.inner_text("#agent-code").strip()
            assert len(code) == 8
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(DOCS / "gate-agent-code.png"), full_page=True)

            paired = requests.post(f"{live_server}/api/agent/pair", json={"code": code}, timeout=10)
            assert paired.status_code == 201
            headers = {
                "Authorization": f"Bearer {paired.json()['token']}",
                "X-Agent-Version": "1.0.0",
                "X-Agent-Adapter": "hikvision",
            }
            api = f"{live_server}/api/agent/commands"
            assert requests.get(f"{api}?wait=0", headers=headers, timeout=10).json() == {
                "commands": [],
                "poll_wait": 25,
            }
            page.click("text=返回开闸器页面")
            page.click("button:has-text('试开闸')")
            page.wait_for_selector("text=已发送开闸指令")
            [command] = requests.get(f"{api}?wait=0", headers=headers, timeout=10).json()[
                "commands"
            ]
            key = command["id"]
            assert requests.post(f"{api}/{key}/claim", headers=headers, timeout=10).ok
            result = requests.post(
                f"{api}/{key}/result",
                json={"outcome": "opened", "answer": "HTTP 200 · 1 OK · ok"},
                headers=headers,
                timeout=10,
            )
            assert result.ok
            page.reload()
            agent = page.locator("li.agent")
            assert agent.locator(".agent-state").inner_text() == "在线"
            assert agent.locator(".agent-last").inner_text().startswith("已开闸")
            row = page.locator("tr.command").first
            assert row.get_attribute("data-status") == "opened"
            assert "HTTP 200 · 1 OK · ok" in row.inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            for button in page.locator("button.btn").all():
                assert button.bounding_box()["height"] >= 40
            page.screenshot(path=str(DOCS / "gate-agent-page.png"), full_page=True)
        finally:
            browser.close()
