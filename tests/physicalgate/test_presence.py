"""Exits and overstay: 我已出门, the exit poster, 已离开, /guard/inside, the overstay alert."""

from sqlalchemy import select

from tenants import tenant_context, utcnow
from tests.factories import ACTIVE, ACTIVE_2
from xgm.alerts.models import AlertEvent
from xgm.extensions import db
from xgm.presence.overstay import open_overstays, sweep_everywhere


def _admitted(duty, rider_code=ACTIVE):
    browser, _ = duty.rider(rider_code)
    item = next(a for a in duty.listed() if a["rider"]["rider_code"] == rider_code)
    assert duty.act(item["id"], "admit").status_code == 200
    return browser, next(a for a in duty.arrivals() if a.id == item["id"])


def _inside(duty) -> list[dict]:
    response = duty.phone.get("/guard/inside")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()["inside"]


def test_inside_list_has_exactly_the_contracts_fields(duty):
    """GET /guard/inside: one row per admitted rider still inside, the contract's keys."""
    _, arrival = _admitted(duty)
    duty.rider(ACTIVE_2)  # pending: not inside
    duty.age_admission(arrival.id, 7)
    [row] = _inside(duty)
    assert set(row) == {"arrival_id", "rider_code", "gate", "since", "minutes", "overstay"}
    assert (row["arrival_id"], row["rider_code"], row["gate"]) == (arrival.id, ACTIVE, "东门")
    assert row["since"].endswith("+08:00")
    assert (row["minutes"], row["overstay"]) == (7, False)


def test_rider_exit_from_the_pass(duty):
    """我已出门 on the pass records the exit; the pass says 已出门; the list is empty."""
    browser, arrival = _admitted(duty)
    page = browser.get(f"/passes/{arrival.pass_key}").get_data(as_text=True)
    assert "我已出门" in page
    from tests.conftest import CSRF_RE

    csrf = CSRF_RE.search(page).group(1)
    response = browser.post(f"/passes/{arrival.pass_key}/exit", data={"csrf_token": csrf})
    assert response.status_code == 302
    [row] = duty.arrivals()
    assert (row.left_via, row.left_at is not None) == ("pass", True)
    assert "已出门" in browser.get(f"/passes/{arrival.pass_key}").get_data(as_text=True)
    assert _inside(duty) == []
    # A second tap changes nothing.
    browser.post(f"/passes/{arrival.pass_key}/exit", data={"csrf_token": csrf})
    assert duty.arrivals()[0].left_at == row.left_at


def test_exit_needs_the_csrf_token(duty):
    """我已出门 without the form's token is a 400 and records nothing."""
    browser, arrival = _admitted(duty)
    assert browser.post(f"/passes/{arrival.pass_key}/exit").status_code == 400
    assert duty.arrivals()[0].left_at is None


def test_exit_poster_scan_records_the_exit(duty):
    """The exit poster (its own token) records the rider's exit by scan, via exit-poster."""
    browser, _ = _admitted(duty)
    pdf = duty.site.office.post(f"/gates/{duty.site.gate_id}/exit-poster")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        from xgm.compounds.models import Gate

        exit_token = db.session.get(Gate, duty.site.gate_id).exit_token
    assert exit_token and exit_token != duty.token
    page = browser.get(f"/x/{exit_token}")
    assert page.status_code == 200
    assert "已记录出门" in page.get_data(as_text=True)
    assert duty.arrivals()[0].left_via == "exit-poster"
    # A stranger's scan (no rider cookie) records nothing and says what to do.
    other = duty.new_client().get(f"/x/{exit_token}").get_data(as_text=True)
    assert "请用进门时的通行证出门" in other
    assert duty.new_client().get("/x/not-a-real-exit-token-at-all").status_code == 404


def test_guard_marks_left(duty):
    """已离开 by the guard: the card says left (via guard); a pending card gets 409."""
    _, arrival = _admitted(duty)
    response = duty.act(arrival.id, "left")
    assert response.status_code == 200
    card = response.get_json()["arrival"]
    assert (card["left_via"], card["left_at"] is not None) == ("guard", True)
    duty.rider(ACTIVE_2)
    pending = next(a for a in duty.listed() if a["outcome"] == "pending")
    assert duty.act(pending["id"], "left").status_code == 409


def test_overstay_alert_starts_after_the_compound_setting_and_closes_on_exit(duty):
    """30 minutes (default) inside: overstay in the list, the card and the dashboard's list,
    audited once; 已离开 closes it."""
    _, arrival = _admitted(duty)
    duty.age_admission(arrival.id, 29)
    assert _inside(duty)[0]["overstay"] is False
    duty.age_admission(arrival.id, 2)
    [row] = _inside(duty)
    assert (row["overstay"], row["minutes"]) == (True, 31)
    assert duty.listed()[0]["overstay"] is True
    assert duty.audit_kinds().count("arrival.overstay") == 1
    _inside(duty)
    with duty.app.app_context():
        assert sweep_everywhere() == 0  # already open: no second alert
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        alerts = db.session.execute(
            select(AlertEvent.kind, AlertEvent.ref, AlertEvent.detail)
        ).all()
    assert [tuple(a) for a in alerts] == [  # one team alert, codes only
        (
            "overstay",
            f"{arrival.compound_name} · {arrival.gate_name} · {ACTIVE}",
            "已在院内 31 分钟",
        )
    ]
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        assert [a.id for a in open_overstays()] == [arrival.id]
    board = duty.site.office.client.get("/dashboard").get_data(as_text=True)
    assert "超时停留" in board and "王小明" in board
    duty.act(arrival.id, "left")
    assert duty.audit_kinds().count("arrival.overstay_closed") == 1
    assert duty.listed()[0]["overstay"] is False
    with duty.app.app_context(), tenant_context(duty.tenant_id):
        assert open_overstays() == []


def test_overstay_limit_is_the_compounds_setting(duty):
    """With 45 minutes set, 31 minutes inside is no overstay; the sweep starts it at 46."""
    duty.set_compound(overstay_minutes=45)
    _, arrival = _admitted(duty)
    duty.age_admission(arrival.id, 31)
    with duty.app.app_context():
        assert sweep_everywhere() == 0
    duty.age_admission(arrival.id, 15)
    with duty.app.app_context():
        assert sweep_everywhere(now=utcnow()) == 1
    assert duty.listed()[0]["overstay"] is True


def test_manager_sees_who_is_inside(duty):
    """在院内 for the manager: the rider, the gate and the minutes inside."""
    _, arrival = _admitted(duty)
    duty.age_admission(arrival.id, 12)
    page = duty.site.office.client.get(f"/compounds/{duty.site.home}/inside")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "王小明" in body and "东门" in body and "12 分钟" in body
