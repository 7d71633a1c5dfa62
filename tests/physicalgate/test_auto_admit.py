"""Automatic admission: only verified, active, unblocked riders, at gates whose owner turned it on."""

import pytest

from tests.factories import ACTIVE, SUSPENDED, control
from tests.passes.test_city_down import go_down, manual_post
from xgm.city import RiderCard
from xgm.passes.gatepolicy import apply_gate_rules, auto_admissible
from xgm.passes.scanning import Verdict


class _Gate:
    auto_admit = True
    hours_from = hours_to = other_gate = ""


def _card() -> RiderCard:
    return RiderCard(
        rider_code=ACTIVE,
        name="王小明",
        phone="13800001234",
        photo_url="",
        platform_code="meituan",
        platform_name="美团外卖",
        station="",
        team="",
        supervision_phone="",
        status="active",
        valid_until=None,
        updated_at="",
    )


@pytest.mark.parametrize(
    ("verdict", "auto"),
    [
        (dict(status="active"), True),
        (dict(status="active", offline=True), False),
        (dict(status="active", refusal="blocked"), False),
        (dict(status="suspended", refusal="suspended"), False),
        (dict(status="expired", refusal="expired"), False),
        (dict(status="unknown", refusal="unknown", card=None), False),
    ],
)
def test_only_verified_active_unblocked_riders_are_admitted_automatically(verdict, auto):
    """The rule itself: offline-verified, blocked, suspended, expired and unknown riders wait."""
    v = Verdict(**{"card": _card(), **verdict})
    assert auto_admissible(v) is auto
    assert apply_gate_rules(_Gate(), v).auto is auto


def test_auto_admit_is_off_by_default(duty):
    """A new gate waits for the guard: the pass is pending, nothing is sent."""
    duty.agent()
    _, page = duty.rider(ACTIVE)
    assert 'data-outcome="pending"' in page.get_data(as_text=True)
    assert duty.commands() == []


def test_verified_rider_is_admitted_at_scan_and_the_barrier_opens(duty):
    """At an auto-admit gate the pass says 已放行 at once, the agent gets the command, the
    card is admitted with auto set."""
    agent = duty.agent()
    duty.set_gate(auto_admit=True)
    _, page = duty.rider(ACTIVE)
    body = page.get_data(as_text=True)
    assert 'data-outcome="admitted"' in body and "本门岗自动放行" in body
    [arrival] = duty.arrivals()
    assert (arrival.outcome, arrival.auto, arrival.barrier) == ("admitted", True, "pending")
    assert arrival.decided_by_guard_id is None
    [wire] = agent.commands()
    [command] = duty.commands()
    assert (wire["id"], command.arrival_id, command.requested_by_kind) == (
        command.key,
        arrival.id,
        "system",
    )
    [item] = duty.listed()
    assert (item["outcome"], item["auto"]) == ("admitted", True)


def test_rescan_within_two_minutes_does_not_open_twice(duty):
    """The same rider scanning again soon sees the same admitted pass; one command only."""
    duty.agent()
    duty.set_gate(auto_admit=True)
    browser, _ = duty.rider(ACTIVE)
    again = browser.get(f"/g/{duty.token}")
    assert 'data-outcome="admitted"' in again.get_data(as_text=True)
    assert len(duty.arrivals()) == 1
    assert len(duty.commands()) == 1


def test_auto_admitted_rider_can_still_be_blocked_by_the_guard(duty):
    """拉黑 on an auto-admitted card blocks the rider: the next scan is refused."""
    duty.set_gate(auto_admit=True)
    browser, _ = duty.rider(ACTIVE)
    [item] = duty.listed()
    response = duty.act(item["id"], "block", {"reason": "强行闯入", "block_days": "30"})
    assert response.status_code == 200
    duty.age_admission(item["id"], 3)
    refused = browser.get(f"/g/{duty.token}").get_data(as_text=True)
    assert "本物业已禁止您进入" in refused
    assert duty.arrivals()[-1].refusal == "blocked"


def test_refusals_are_never_automatic(duty):
    """A suspended rider at an auto-admit gate is refused; no command is sent."""
    duty.agent()
    duty.set_gate(auto_admit=True)
    _, page = duty.rider(SUSPENDED)
    assert "禁止通行" in page.get_data(as_text=True)
    assert duty.arrivals()[-1].outcome == "refused"
    assert duty.commands() == []


def test_manual_registrations_are_never_automatic(duty, sim):
    """With the city down, the typed-in registration at an auto-admit gate waits for the guard."""
    duty.agent()
    duty.set_gate(auto_admit=True)
    browser = duty.new_client()
    from tests.factories import sign_in_rider

    sign_in_rider(browser, duty.token, ACTIVE)
    go_down(sim)
    try:
        assert manual_post(browser, duty.token).status_code == 302
    finally:
        control(sim, "POST", "/_sim/down", {"down": False})
    [arrival] = duty.arrivals()
    assert (arrival.manual, arrival.outcome, arrival.auto) == (True, "pending", False)
    assert duty.commands() == []


def test_only_the_owner_turns_auto_admit_on(duty, new_client):
    """A manager's auto_admit=on is refused (403) and changes nothing; the owner's is saved."""
    from tests.conftest import login
    from tests.factories import PASSWORD, create_user, page_csrf

    with duty.app.app_context():
        from tenants.models import Tenant
        from xgm.extensions import db

        create_user(db.session.get(Tenant, duty.tenant_id), "manager", email="li@example.com")
    manager = new_client()
    assert login(manager, "li@example.com", PASSWORD).status_code == 302
    path = f"/gates/{duty.site.gate_id}/settings"
    csrf = page_csrf(manager, path)
    refused = manager.post(path, data={"auto_admit": "on", "csrf_token": csrf})
    assert refused.status_code == 403
    assert "只有公司负责人" in refused.get_data(as_text=True)
    assert _auto(duty) is False
    saved = duty.site.office.post(path, {"auto_admit": "on"})
    assert saved.status_code == 302
    assert _auto(duty) is True
    assert "gate.auto_admit_on" in duty.audit_kinds()
    # The manager may still save the other rules without touching the setting.
    kept = manager.post(path, data={"auto_admit": "on", "note": "请勿鸣笛", "csrf_token": csrf})
    assert kept.status_code == 302
    assert _auto(duty) is True


def _auto(duty) -> bool:
    from tenants import tenant_context
    from xgm.compounds.models import Gate
    from xgm.extensions import db

    with duty.app.app_context(), tenant_context(duty.tenant_id):
        return db.session.get(Gate, duty.site.gate_id).auto_admit
