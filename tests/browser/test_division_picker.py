"""Real browser at 360x740: the cascading division selects on the compound and observer forms."""

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from tenants import tenant_context
from tests.browser.test_guard_signin import CHROMIUM_ARGS
from tests.factories import PASSWORD, create_operator, create_tenant, create_user
from tests.screenshots import screenshot_dir
from xgm.compounds.models import Compound
from xgm.extensions import db
from xgm.oversight.models import Observer

DOCS = screenshot_dir()
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
WAIT = 15_000  # ms: generous, the machine may be busy


@pytest.fixture
def browser():
    """Debian's Chromium, headless."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _manager(app, live_server, browser):
    """A manager signed in on a phone; returns (page, tenant id)."""
    with app.app_context():
        tenant = create_tenant("桐庐安居物业服务有限公司")
        create_user(tenant, "manager", email="manager@example.com", name="李经理")
        tenant_id = tenant.id
    page = browser.new_context(**PHONE).new_page()
    page.set_default_timeout(WAIT)
    page.goto(f"{live_server}/login")
    page.fill("#email", "manager@example.com")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    return page, tenant_id


def _level(page, level: str):
    return page.locator(f".division-picker select[data-level={level}]")


def _compounds(app, tenant_id: int) -> list[tuple]:
    with app.app_context(), tenant_context(tenant_id):
        rows = db.session.scalars(select(Compound).order_by(Compound.id)).all()
        return [(c.name, c.division_code, c.community, c.community_unverified) for c in rows]


@pytest.mark.browser
def test_a_manager_picks_county_street_and_community_on_a_phone(app, live_server, browser):
    """Province and city come preset (浙江省, 杭州市); county -> street -> community fill in
    one after another; the chosen code is sent; the page fits 360 px; the edit page shows
    the same chain again."""
    page, tenant_id = _manager(app, live_server, browser)
    page.goto(f"{live_server}/compounds/new")
    expect(page.locator("#area-text")).to_be_hidden()
    expect(_level(page, "county")).to_be_visible()
    assert _level(page, "province").input_value() == "330000"
    assert _level(page, "city").input_value() == "330100"
    # Province and city alone are not a place for a compound: nothing is sent yet.
    expect(page.locator(".dp-chosen")).to_have_text("已选择：浙江省 杭州市 · 还需选到镇街道")
    assert page.locator("input[name=division_code]").input_value() == ""
    page.fill("#name", "江滨花园")
    page.fill("#hotline", "0571-64612345")
    _level(page, "county").select_option(label="桐庐县")
    # One level short is sent (the server then asks for the street); the line says so too.
    assert page.locator("input[name=division_code]").input_value() == "330122"
    expect(page.locator(".dp-chosen")).to_have_text("已选择：浙江省 杭州市 桐庐县 · 还需选到镇街道")
    _level(page, "street").select_option(label="城南街道")
    # A street alone is enough: the community select offers "the whole street" first.
    expect(_level(page, "community").locator("option").first).to_have_text("（不选，整个城南街道）")
    assert page.locator("input[name=division_code]").input_value() == "330122004000"
    _level(page, "community").select_option(label="江滨社区")
    expect(page.locator(".dp-chosen")).to_have_text(
        "已选择：浙江省 杭州市 桐庐县 城南街道 江滨社区"
    )
    assert page.locator("input[name=division_code]").input_value() == "330122004018"
    for select_box in page.locator(".division-picker select").all():
        assert select_box.bounding_box()["height"] >= 48
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(DOCS / "division-picker-phone.png"), full_page=True)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/compounds/*")
    assert _compounds(app, tenant_id) == [("江滨花园", "330122004018", "江滨社区", False)]
    expect(page.locator("dl.facts")).to_contain_text("杭州市桐庐县城南街道江滨社区")

    page.click("a.btn[href$='/edit']")
    expect(_level(page, "community")).to_have_value("330122004018")
    assert _level(page, "county").input_value() == "330122"
    assert _level(page, "street").input_value() == "330122004000"


@pytest.mark.browser
def test_search_sets_the_chain_and_a_missing_community_can_be_typed(app, live_server, browser):
    """Typing 北山 offers 北山街道 with where it lies; choosing it sets every select. A
    community not in the list is typed under the street and saved as unverified."""
    page, tenant_id = _manager(app, live_server, browser)
    page.goto(f"{live_server}/compounds/new")
    page.fill("#name", "北山花园")
    page.fill("#hotline", "0571-64612345")
    page.fill("#division_code-search", "北山街道")
    result = page.locator(".dp-result", has_text="北山街道").first
    expect(result).to_contain_text("浙江省杭州市西湖区")
    assert result.bounding_box()["height"] >= 48
    page.screenshot(path=str(DOCS / "division-picker-search.png"), full_page=True)
    result.click()
    expect(_level(page, "street")).to_have_value("330106002000")
    assert _level(page, "county").input_value() == "330106"
    expect(_level(page, "community")).to_be_visible()
    _level(page, "community").select_option(label="列表中没有，手动填写")
    expect(page.locator("#community")).to_be_visible()
    page.fill("#community", "新北山社区")
    expect(page.locator(".dp-chosen")).to_have_text(
        "已选择：浙江省 杭州市 西湖区 北山街道 新北山社区"
    )
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server}/compounds/*")
    assert _compounds(app, tenant_id) == [("北山花园", "330106002000", "新北山社区", True)]
    # The edit page shows the typed community under its street again.
    page.click("a.btn[href$='/edit']")
    expect(page.locator("#community")).to_have_value("新北山社区")
    expect(page.locator("#community")).to_be_visible()
    assert _level(page, "community").input_value() == "__manual__"


@pytest.mark.browser
def test_an_operator_binds_an_observer_to_a_county(app, live_server, browser):
    """The operator's form uses the same selects; stopping at the county binds the county."""
    with app.app_context():
        create_operator("root@xgm.example")
    page = browser.new_context(viewport={"width": 1024, "height": 900}, locale="zh-CN").new_page()
    page.set_default_timeout(WAIT)
    page.goto(f"{live_server}/ops/login")
    page.fill("#email", "root@xgm.example")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/ops")
    page.goto(f"{live_server}/ops/observers")
    page.fill("#name", "桐庐县市场监管局")
    page.fill("#email", "tonglu@gov.example")
    page.fill("#password", "county-pass-2024")
    assert _level(page, "province").input_value() == "330000"
    expect(_level(page, "city")).to_have_value("")  # the operator picks the city too
    _level(page, "city").select_option(label="杭州市")
    _level(page, "county").select_option(label="桐庐县")
    expect(_level(page, "street")).to_be_visible()
    expect(_level(page, "street").locator("option").first).to_have_text("（不选，整个桐庐县）")
    page.select_option("#role", "regulator")
    page.click("form[action='/ops/observers/new'] button[type=submit]")
    page.wait_for_url(f"{live_server}/ops/observers")
    with app.app_context():
        rows = db.session.scalars(select(Observer)).all()
        assert [(o.division_code, o.level, o.area, o.role) for o in rows] == [
            ("330122", "county", "杭州市桐庐县", "regulator")
        ]
