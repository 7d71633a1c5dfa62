"""Open on admit: 放行 at a gate with an agent opens the barrier; the card follows the result."""

from tests.factories import ACTIVE, age_agent, age_command


def _scan_and_admit(duty):
    duty.rider(ACTIVE)
    [item] = duty.listed()
    response = duty.act(item["id"], "admit")
    assert response.status_code == 200
    return response.get_json()["arrival"]


def test_admit_sends_the_open_command_and_the_card_shows_it(duty):
    """放行 on a gate with an agent: one command for the arrival, the card says pending."""
    agent = duty.agent()
    arrival = _scan_and_admit(duty)
    assert arrival["barrier"] == {"status": "pending", "answer": ""}
    [command] = duty.commands()
    assert (command.arrival_id, command.requested_by_kind, command.requested_by_name) == (
        arrival["id"],
        "guard",
        "赵保安",
    )
    [wire] = agent.commands()
    assert wire["id"] == command.key


def test_opened_result_reaches_the_card(duty):
    """The agent reports opened: the console's JSON says 已开闸 (status opened, the answer)."""
    agent = duty.agent()
    _scan_and_admit(duty)
    [wire] = agent.commands()
    assert agent.claim(wire["id"]).status_code == 200
    assert agent.report(wire["id"], "opened", "HTTP 200 · 1 OK · ok").status_code == 200
    [item] = duty.listed()
    assert item["barrier"] == {"status": "opened", "answer": "HTTP 200 · 1 OK · ok"}


def test_failure_shows_with_the_answer_and_open_again_sends_a_new_command(duty):
    """A failed open shows the device's answer; 再次开闸 sends a second command."""
    agent = duty.agent()
    arrival = _scan_and_admit(duty)
    [wire] = agent.commands()
    agent.claim(wire["id"])
    agent.report(wire["id"], "failed", "HTTP 503 · 2 Device Busy · deviceBusy")
    [item] = duty.listed()
    assert item["barrier"] == {
        "status": "failed",
        "answer": "HTTP 503 · 2 Device Busy · deviceBusy",
    }
    again = duty.act(arrival["id"], "open")
    assert again.status_code == 200
    assert again.get_json()["arrival"]["barrier"]["status"] == "pending"
    assert len(duty.commands()) == 2
    [second] = agent.commands()
    assert second["id"] != wire["id"]


def test_an_old_commands_result_does_not_overwrite_the_newer_one(duty):
    """After 再次开闸, a late result of the first command leaves the card on the second."""
    agent = duty.agent()
    arrival = _scan_and_admit(duty)
    [first] = agent.commands()
    agent.claim(first["id"])
    duty.act(arrival["id"], "open")
    agent.report(first["id"], "failed", "late")
    assert duty.listed()[0]["barrier"]["status"] == "pending"


def test_unclaimed_command_expires_on_the_cards_look(duty):
    """No agent takes the command in 10 s: the card's barrier look settles it 开闸器未接收."""
    duty.agent()
    arrival = _scan_and_admit(duty)
    [command] = duty.commands()
    age_command(duty.app, duty.tenant_id, command.key, 11)
    response = duty.phone.get(f"/guard/arrivals/{arrival['id']}/barrier")
    assert response.status_code == 200
    assert response.get_json()["arrival"]["barrier"]["status"] == "expired"


def test_gate_without_an_agent_sends_nothing(duty):
    """放行 where no agent is paired: no command, no barrier state; 再次开闸 says so (409)."""
    arrival = _scan_and_admit(duty)
    assert arrival["barrier"] == {"status": "", "answer": ""}
    assert duty.commands() == []
    again = duty.act(arrival["id"], "open")
    assert again.status_code == 409
    assert "没有配对开闸器" in again.get_json()["error"]


def test_open_again_only_for_admitted_riders(duty):
    """再次开闸 on a pending card is refused with 409 and sends nothing."""
    duty.agent()
    duty.rider(ACTIVE)
    [item] = duty.listed()
    assert duty.act(item["id"], "open").status_code == 409
    assert duty.commands() == []


def test_offline_agent_shows_on_the_console(duty):
    """/guard/barriers: a gate whose agent has not polled for long is offline."""
    agent = duty.agent()
    agent.commands()  # one poll: online
    [gate] = duty.phone.get("/guard/barriers").get_json()["gates"]
    assert (gate["id"], gate["name"], gate["state"]) == (duty.site.gate_id, "东门", "online")
    age_agent(duty.app, duty.tenant_id, agent.agent_id, 120)
    [gate] = duty.phone.get("/guard/barriers").get_json()["gates"]
    assert gate["state"] == "offline"
    page = duty.site.office.client.get(f"/gates/{duty.site.gate_id}/agents").get_data(as_text=True)
    assert "离线" in page
