"""Per-gate rules: rider hours refuse scans with the reason and the other gate; poster and pass."""

import io
from datetime import time

import pytest
from pypdf import PdfReader

from printables.render import poster_html
from tenants import tenant_context
from tests.factories import ACTIVE
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db
from xgm.gaterules.rules import within_hours


@pytest.mark.parametrize(
    ("start", "end", "at", "inside"),
    [
        ("07:00", "23:00", time(7, 0), True),
        ("07:00", "23:00", time(22, 59, 59), True),
        ("07:00", "23:00", time(23, 0), False),
        ("07:00", "23:00", time(6, 59), False),
        ("22:00", "06:00", time(23, 30), True),
        ("22:00", "06:00", time(5, 59), True),
        ("22:00", "06:00", time(12, 0), False),
        ("", "", time(3, 0), True),
    ],
)
def test_rider_hours(start, end, at, inside):
    """From is inclusive, to exclusive; a from after the to spans midnight; none = always."""
    assert within_hours(start, end, at) is inside


def _closed_now() -> tuple[str, str]:
    """Hours that exclude the present minute (China time), whatever the clock says."""
    from datetime import datetime, timedelta

    from chinatime import CN_TZ

    now = datetime.now(CN_TZ)
    start = (now + timedelta(minutes=2)).strftime("%H:%M")
    end = (now + timedelta(minutes=3)).strftime("%H:%M")
    return start, end


def test_scan_outside_hours_is_refused_with_the_reason_and_the_other_gate(duty):
    """Outside 东门's hours the rider is refused: the page names the hours and 北门."""
    start, end = _closed_now()
    duty.set_gate(hours_from=start, hours_to=end, other_gate_id=duty.north_id, auto_admit=True)
    duty.agent()
    _, page = duty.rider(ACTIVE)
    body = page.get_data(as_text=True)
    assert "禁止通行" in body and "现在不是本门岗的骑手通行时间" in body
    assert f"本门岗骑手通行时间为 {start}-{end}，请走北门" in body
    [arrival] = duty.arrivals()
    assert (arrival.outcome, arrival.refusal, arrival.auto) == ("refused", "hours", False)
    assert duty.commands() == []  # no automatic admission outside the hours
    [card] = duty.listed()
    assert card["refusal"] == "hours"


def test_scan_inside_hours_passes(duty):
    """Hours that include now change nothing: the pass is pending and lists the rules."""
    duty.set_gate(hours_from="00:00", hours_to="23:59", ebike="park", ebike_where="东门外车棚")
    duty.set_gate(rule_note="请勿鸣笛", other_gate_id=duty.north_id)
    _, page = duty.rider(ACTIVE)
    body = page.get_data(as_text=True)
    assert 'data-outcome="pending"' in body
    for line in (
        "骑手通行时间 00:00-23:59",
        "电动车请停放在东门外车棚",
        "请勿鸣笛",
        "最近的其他门岗：北门",
    ):
        assert line in body


def test_settings_form_saves_the_contract_fields(duty):
    """POST /gates/<id>/settings with the contract's fields stores them."""
    path = f"/gates/{duty.site.gate_id}/settings"
    form = {
        "hours_from": "07:00",
        "hours_to": "23:00",
        "ebike": "park",
        "ebike_where": "北侧车棚",
        "note": "送餐请走人行道",
        "other_gate": str(duty.north_id),
    }
    assert duty.site.office.post(path, form).status_code == 302
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        gate = db.session.get(Gate, duty.site.gate_id)
        assert (gate.hours_from, gate.hours_to, gate.ebike, gate.ebike_where) == (
            "07:00",
            "23:00",
            "park",
            "北侧车棚",
        )
        assert (gate.rule_note, gate.other_gate_id, gate.auto_admit) == (
            "送餐请走人行道",
            duty.north_id,
            False,
        )


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"hours_from": "7:00", "hours_to": "23:00"}, "请按 07:00 这样的格式填写"),
        ({"hours_from": "07:00", "hours_to": "24:00"}, "请按 07:00 这样的格式填写"),
        ({"hours_from": "07:00"}, "开始和结束时间要一起填写"),
        ({"hours_from": "07:00", "hours_to": "07:00"}, "开始和结束时间不能相同"),
        ({"ebike": "fly"}, None),
    ],
)
def test_bad_settings_are_refused_in_chinese(duty, form, message):
    """Bad hours or choices: 400 with the message, nothing saved."""
    response = duty.site.office.post(f"/gates/{duty.site.gate_id}/settings", form)
    assert response.status_code == 400
    if message:
        assert message in response.get_data(as_text=True)
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        assert db.session.get(Gate, duty.site.gate_id).hours_from == ""


def test_other_gate_of_another_compound_is_refused(duty):
    """The nearest other gate must be a gate of the same compound."""
    with duty.app.app_context():
        from tests.factories import create_gate

        foreign = create_gate(duty.tenant_id, duty.site.other, "西门")
    response = duty.site.office.post(
        f"/gates/{duty.site.gate_id}/settings", {"other_gate": str(foreign)}
    )
    assert response.status_code == 400


def test_poster_prints_the_rules(duty):
    """The gate poster carries the rule lines (and stays one page)."""
    duty.set_gate(hours_from="07:00", hours_to="23:00", ebike="ride", other_gate_id=duty.north_id)
    from xgm.posters.rendering import poster_for

    with duty.app.test_request_context(), tenant_context(duty.tenant_id):
        gate = db.session.get(Gate, duty.site.gate_id)
        poster = poster_for(gate, db.session.get(Compound, duty.site.home))
        html = poster_html([poster])
    assert poster.rules == ("骑手通行时间 07:00-23:00", "电动车可骑入", "最近的其他门岗：北门")
    assert 'class="rules"' in html and "电动车可骑入" in html
    pdf = duty.site.office.client.get(f"/gates/{duty.site.gate_id}/poster.pdf")
    assert pdf.status_code == 200
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
