"""The onboarding checklist and navigation link to the compound and printing pages."""

import re

from sqlalchemy import select

from tenants import unscoped
from xgm.compounds.demo import DEMO_COMPOUNDS
from xgm.compounds.models import Compound, Gate
from xgm.demo import seed_demo
from xgm.extensions import db

STEP_RE = re.compile(r'<li class="(done|todo)">\s*<a href="([^"]+)">([^<]+)</a>')
STEPS = ("登记第一个小区", "添加门岗", "打印门岗二维码")


def _steps(office) -> dict[str, tuple[str, str]]:
    html = office.client.get("/").get_data(as_text=True)
    return {label: (state, url) for state, url, label in STEP_RE.findall(html)}


def test_checklist_has_the_three_steps_with_working_links(office):
    """The home checklist shows 登记第一个小区, 添加门岗, 打印门岗二维码; each link opens (200)."""
    steps = _steps(office)
    for label in STEPS:
        assert label in steps
        state, url = steps[label]
        assert state == "todo"
        assert office.client.get(url).status_code == 200, url
    assert [steps[label][1] for label in STEPS] == ["/compounds/new", "/compounds", "/posters"]


def test_steps_are_done_in_turn(office):
    """A compound, then a gate, then a printed poster tick the three steps off."""
    compound_id = office.add_compound()
    assert [_steps(office)[s][0] for s in STEPS] == ["done", "todo", "todo"]
    gate_id = office.add_gate(compound_id)
    assert [_steps(office)[s][0] for s in STEPS] == ["done", "done", "todo"]
    assert office.client.get(f"/gates/{gate_id}/poster.pdf").status_code == 200
    assert [_steps(office)[s][0] for s in STEPS] == ["done", "done", "done"]


def test_another_tenants_progress_does_not_count(office, rival):
    """Another company's compounds and gates do not tick this company's steps."""
    rival.add_gate(rival.add_compound())
    assert [_steps(office)[s][0] for s in STEPS] == ["todo", "todo", "todo"]


def test_nav_links_to_compounds_and_printing(office):
    """The top bar links 小区 and 打印."""
    html = office.client.get("/").get_data(as_text=True)
    assert '<a href="/compounds">小区</a>' in html
    assert '<a href="/posters">打印</a>' in html


def test_demo_seed_creates_two_compounds_with_gates(app):
    """The demo tenant gets two Tonglu compounds with two or three gates each."""
    with app.app_context():
        seed_demo()
        with unscoped():
            compounds = db.session.scalars(select(Compound).order_by(Compound.id)).all()
            gates = {
                c.name: [
                    g.name
                    for g in db.session.scalars(
                        select(Gate).where(Gate.compound_id == c.id).order_by(Gate.id)
                    )
                ]
                for c in compounds
            }
    mine = compounds[:2]  # seeded first: other features' demo data hangs off them
    assert [c.name for c in mine] == [spec["name"] for spec in DEMO_COMPOUNDS]
    assert all(c.district == "桐庐县" and c.street and c.community for c in mine)
    assert all(len(c.building_list) >= 8 for c in mine)
    assert {c.name: gates[c.name] for c in mine} == {
        "富春江畔花园": ["东门", "北门", "地库入口"],
        "迎春南苑": ["南门", "西门"],
    }


def test_a_second_demo_run_prints_the_login_again(app):
    """make run on a seeded database: the demo login, the guards' PINs and a fresh enrollment
    link on XGM_PUBLIC_URL (the port make run serves), and nothing seeded twice."""
    app.config["XGM_PUBLIC_URL"] = "http://127.0.0.1:8123"
    with app.app_context():
        first = seed_demo()
        again = seed_demo()
        with unscoped():
            assert db.session.scalar(select(db.func.count()).select_from(Compound)) == 2
    assert any("http://127.0.0.1:8123/device/enroll?code=" in line for line in first)
    assert "  sign in at /login with demo@xgm.local / xgm-demo-2026" in again
    assert any("PIN 258013" in line for line in again)
    enroll = [line for line in again if "/device/enroll?code=" in line]
    assert len(enroll) == 1 and "http://127.0.0.1:8123/" in enroll[0]
    assert enroll[0] not in first
