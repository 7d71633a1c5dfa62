"""Real browser: a rider scans at an auto-admit gate; the simulated barrier opens by itself."""

import time

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.test_guard_signin import CHROMIUM_ARGS
from tests.browser.test_scan_flow import gate_token, guard_phone, rider_scan, served  # noqa: F401
from tests.factories import GateDuty, make_site, pairing_code
from tests.gateagents.agents import wait_until
from tests.gateagents.processes import start_agent, stop_agent
from tests.screenshots import screenshot_dir
from xgm.gatesim.relay import RelaySim

DOCS = screenshot_dir()


def _hours_around_now() -> tuple[str, str]:
    """Rider hours from two hours ago to in two hours (China time; may span midnight)."""
    from datetime import datetime, timedelta

    from chinatime import CN_TZ

    now = datetime.now(CN_TZ)
    return tuple((now + timedelta(hours=h)).strftime("%H:%M") for h in (-2, 2))


@pytest.mark.browser
def test_rider_scans_at_an_auto_admit_gate_and_the_barrier_opens(app, client, served, tmp_path):  # noqa: F811
    """Two Chromium phones and a real agent process with an HTTP relay: the pass says 已放行 at
    once, the relay pulses, the guard's card shows 自动放行 and 已开闸 with 拉黑 still offered."""
    base, _sim = served
    site = make_site(app, client)
    site.add_guard("王建国", phone="13700001111")
    token = gate_token(app, site.tenant_id, site.gate_id)
    helper = GateDuty.__new__(GateDuty)  # only its gate-writing helper, on this site
    helper.app, helper.site = app, site
    hours_from, hours_to = _hours_around_now()
    helper.set_gate(
        auto_admit=True,
        hours_from=hours_from,
        hours_to=hours_to,
        ebike="park",
        ebike_where="东门外车棚",
        rule_note="请勿鸣笛",
    )
    code = site.new_code()
    with RelaySim() as relay:
        state = tmp_path / "agent.json"
        agent = start_agent(
            ["--server", base, "--pair", pairing_code(site.office, site.gate_id),
             "--state", str(state), "--adapter", "http-relay", "--relay-url", relay.url,
             "--relay-secret", relay.secret],
            tmp_path / "agent.log",
        )  # fmt: skip
        try:
            wait_until(state.exists, 30, "the agent's pairing")
            time.sleep(1)  # its first poll is held
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                try:
                    guard = guard_phone(browser, base, code, "王建国")
                    time.sleep(0.5)  # the console's EventSource connects
                    rider = rider_scan(browser, base, token, "王小明")
                    rider.wait_for_selector('#pass[data-outcome="admitted"]', timeout=5000)
                    assert "本门岗自动放行" in rider.inner_text(".pass-state")
                    rules = rider.inner_text("#pass-rules")
                    assert f"骑手通行时间 {hours_from}-{hours_to}" in rules
                    assert "电动车请停放在东门外车棚" in rules
                    assert rider.locator(".pass-exit-btn").bounding_box()["height"] >= 48
                    wait_until(lambda: relay.pulses, 15, "the relay's pulse")
                    assert len(relay.pulses) == 1
                    card = guard.locator(".acard", has_text="王小明")
                    card.wait_for(timeout=5000)
                    guard.wait_for_selector(
                        '.acard .barrier-state[data-barrier="opened"]', timeout=10000
                    )
                    assert card.get_attribute("data-outcome") == "admitted"
                    assert card.locator('[data-f="outcome"]').inner_text() == "自动放行"
                    assert card.locator(".barrier-state").inner_text() == "已开闸"
                    assert card.locator(".act-block").is_visible()
                    assert card.locator(".act-complain").is_visible()
                    assert "在院内" in card.locator(".stay-state").inner_text()
                    for selector in (".act-block", ".act-left"):
                        assert card.locator(selector).bounding_box()["height"] >= 48
                    assert guard.evaluate("document.documentElement.scrollWidth") <= 360
                    assert rider.evaluate("document.documentElement.scrollWidth") <= 360
                    rider.wait_for_timeout(400)  # the banner colour fades in
                    rider.screenshot(path=str(DOCS / "auto-admit-pass.png"), full_page=True)
                    guard.screenshot(path=str(DOCS / "auto-admit-guard-card.png"), full_page=True)
                    # The rider leaves: 我已出门 on the pass, the card follows.
                    rider.locator(".pass-exit-btn").tap()
                    rider.wait_for_selector(".pass-left", timeout=5000)
                    guard.wait_for_selector(".acard .stay-state:has-text('已离开')", timeout=5000)
                finally:
                    browser.close()
        finally:
            assert stop_agent(agent) in (0, -15)
