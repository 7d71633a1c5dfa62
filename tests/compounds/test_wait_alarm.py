"""The compound's waiting-alarm settings: defaults, saving, and refusals in Chinese."""

import pytest


def test_defaults_are_30_and_90_seconds(office):
    """A new compound alerts its guard after 30 s and every phone after 90 s; the page shows it."""
    compound_id = office.add_compound()
    compound = office.compound(compound_id)
    assert (compound.wait_alarm_seconds, compound.wait_escalate_seconds) == (30, 90)
    html = office.client.get(f"/compounds/{compound_id}").get_data(as_text=True)
    assert 'name="wait_alarm_seconds" type="text" value="30"' in html or 'value="30"' in html
    assert "骑手等待提醒" in html


def test_saving_new_thresholds(office):
    """POST /compounds/<id>/alarm stores both and says so."""
    compound_id = office.add_compound()
    response = office.post(
        f"/compounds/{compound_id}/alarm",
        {"wait_alarm_seconds": "20", "wait_escalate_seconds": "60"},
    )
    assert response.status_code == 302
    compound = office.compound(compound_id)
    assert (compound.wait_alarm_seconds, compound.wait_escalate_seconds) == (20, 60)
    page = office.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已保存：等待 20 秒提醒门卫，60 秒通知全部门岗" in page


@pytest.mark.parametrize(
    ("alarm", "escalate", "message"),
    [
        ("5", "90", "提醒时间应在 10 到 300 秒之间"),
        ("30", "600", "通知全部门岗的时间应在 20 到 540 秒之间"),
        ("60", "60", "通知全部门岗的时间应晚于提醒门卫的时间"),
        ("", "90", "请填写秒数"),
        ("三十", "90", "不是有效的整数"),
    ],
)
def test_bad_thresholds_are_refused_in_chinese(office, alarm, escalate, message):
    """Out of range, out of order, empty or not a number: 400 with the reason; nothing saved."""
    compound_id = office.add_compound()
    response = office.post(
        f"/compounds/{compound_id}/alarm",
        {"wait_alarm_seconds": alarm, "wait_escalate_seconds": escalate},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    compound = office.compound(compound_id)
    assert (compound.wait_alarm_seconds, compound.wait_escalate_seconds) == (30, 90)


def test_another_companys_compound_is_404(office, rival):
    """The settings of another tenant's compound cannot be changed."""
    compound_id = rival.add_compound()
    response = office.post(
        f"/compounds/{compound_id}/alarm",
        {"wait_alarm_seconds": "20", "wait_escalate_seconds": "60"},
    )
    assert response.status_code == 404
    assert rival.compound(compound_id).wait_alarm_seconds == 30
