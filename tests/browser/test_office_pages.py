"""Real browser: the office pages at 1280x800 and 360x740 (screenshots under docs/office/).

Every page opens, nothing scrolls sideways at 360 px (wide tables scroll inside their card),
no table header breaks onto a second line, and the bell shows the unread count.
"""

from datetime import timedelta

import pytest
from playwright.sync_api import sync_playwright

from tenants import tenant_context, utcnow
from tests.dashboard import data
from tests.factories import PASSWORD, create_guard, create_tenant, create_user
from tests.screenshots import screenshot_dir
from xgm.accounts.invitations import create as create_invitation
from xgm.alerts import raise_event
from xgm.alerts.models import AlertDelivery, AlertHook
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.sealed import seal

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SIZES = {"pc": (1280, 800), "phone": (360, 740)}


def _company(app) -> dict:
    """A company with two compounds, gates, guards, arrivals, a complaint, a robot, alerts."""
    with app.app_context():
        tenant = create_tenant("阳光物业服务有限公司")
        create_user(tenant, "owner", email="owner@example.com", name="李经理")
        tid = tenant.id
        sunny = data.compound(tid, "阳光花园")
        gates = [data.gate(tid, sunny, n) for n in ("2号门", "10号门", "东门")]
        river = data.compound(tid, "富春苑")
        data.gate(tid, river, "南门")
        for name, phone in (
            ("张伟", "13700001111"),
            ("李娜", "13700001111"),
            ("王芳", "13700002222"),
        ):
            create_guard(app, tid, sunny, name, phone=phone)
        complaint_id = data.complaint(tid, sunny, utcnow() - timedelta(days=1), "received")
        with tenant_context(tid):
            for i, (outcome, reason) in enumerate(
                [("admitted", ""), ("denied", "未戴头盔"), ("admitted", ""), ("refused", "")]
            ):
                db.session.add(
                    Arrival(
                        compound_id=sunny,
                        gate_id=gates[i % 2],
                        compound_name="阳光花园",
                        gate_name=("2号门", "10号门")[i % 2],
                        rider_code=f"XGM33012200{i:04d}",
                        rider_name=("王小明", "赵强", "孙磊", "周杰")[i],
                        platform_name="美团",
                        outcome=outcome,
                        reason=reason,
                        refusal="suspended" if outcome == "refused" else "",
                        created_at=utcnow() - timedelta(minutes=30 * i),
                    )
                )
            url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0a1b2c3d-demo-robot-key"
            hook = AlertHook(
                kind="wecom",
                name="保安队长群",
                url_enc=seal(url),
                hint="qyapi.weixin.qq.com …-key",
                events="complaint_status,agent_offline,phone_offline",
            )
            db.session.add(hook)
            invitation, _token = create_invitation("zhao@example.com", "赵敏", None)
            db.session.commit()
            ids = {
                "compound": sunny,
                "gate": gates[0],
                "complaint": complaint_id,
                "invitation": invitation.id,
                "hook": hook.id,
            }
        raise_event(
            tid,
            "complaint_status",
            compound_id=sunny,
            ref="TS20261203-0007",
            detail="已处理",
            link=f"/complaints/{complaint_id}",
        )
        raise_event(
            tid,
            "phone_offline",
            compound_id=sunny,
            ref="阳光花园 · 东门",
            detail="最后在线 12-03 09:30",
            link="/devices",
        )
        db.session.commit()
        with tenant_context(tid):
            db.session.add(
                AlertDelivery(
                    hook_id=ids["hook"], kind="test", status="sent", attempts=1, sent_at=utcnow()
                )
            )
            db.session.commit()
    return ids


PAGES = [
    ("home", "/"),
    ("settings", "/settings"),
    ("notifications", "/notifications"),
    ("alerts", "/settings/alerts"),
    ("team", "/team"),
    ("invitation", "/team/invitations/{invitation}"),
    ("compound", "/compounds/{compound}"),
    ("preview", "/gates/{gate}/preview"),
    ("guards", "/guards"),
    ("arrivals", "/arrivals"),
    ("dashboard", "/dashboard?period=7d"),
    ("complaint", "/complaints/{complaint}"),
]


@pytest.mark.browser
def test_office_pages_at_desktop_and_phone_sizes(app, live_server):
    """Each page at 1280x800 and 360x740: 200, no sideways scroll, one-line headers."""
    ids = _company(app)
    folder = screenshot_dir() / "office"
    folder.mkdir(exist_ok=True)
    problems = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            for size, (width, height) in SIZES.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    is_mobile=size == "phone",
                    has_touch=size == "phone",
                    locale="zh-CN",
                )
                page = context.new_page()
                page.goto(f"{live_server}/")
                assert "免费注册物业公司" in page.inner_text("body")
                page.screenshot(path=str(folder / f"landing-{size}.png"), full_page=True)
                page.goto(f"{live_server}/login")
                page.fill("#email", "owner@example.com")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_url(f"{live_server}/")
                assert page.inner_text("#unread-count") == "2"
                for name, path in PAGES:
                    response = page.goto(live_server + path.format(**ids))
                    if response.status != 200:
                        problems.append(f"{size} {path}: {response.status}")
                        continue
                    scroll = page.evaluate("document.documentElement.scrollWidth")
                    if scroll > width:
                        problems.append(f"{size} {path}: {scroll} px wide")
                    tall = page.evaluate(
                        "[...document.querySelectorAll('th')].filter(th => th.offsetParent"
                        " && th.getBoundingClientRect().height > 2.2 * parseFloat("
                        "getComputedStyle(th).lineHeight)).map(th => th.innerText)"
                    )
                    if tall:
                        problems.append(f"{size} {path}: headers on several lines {tall}")
                    page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)
                context.close()
        finally:
            browser.close()
    assert problems == []
