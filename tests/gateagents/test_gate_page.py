"""The manager's gate page: agent health (online, last seen, version, adapter), results, 试开闸."""

import re

from tenants import tenant_context
from tests.factories import age_agent, age_command, audit_kinds, command, paired_agent, send_open
from xgm.gateagents.health import gate_state


def _page(site) -> str:
    response = site.office.client.get(f"/gates/{site.gate_id}/agents")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _agent_block(page: str, agent_id: int) -> str:
    match = re.search(rf'<li class="agent" id="agent-{agent_id}">(.*?)</li>', page, re.S)
    assert match, f"no agent {agent_id} on the page"
    return match.group(1)


def test_compound_page_links_each_gate_to_its_agents(site):
    """The compound page has a 开闸器 link per gate."""
    page = site.office.client.get(f"/compounds/{site.home}").get_data(as_text=True)
    assert f'href="/gates/{site.gate_id}/agents"' in page


def test_page_without_agents(site):
    """No agent: the page says the barrier is lifted by hand, offers pairing, no 试开闸."""
    page = _page(site)
    assert "还没有配对开闸器：门卫放行后需要人工抬杆。" in page
    assert f'action="/gates/{site.gate_id}/agents/new"' in page
    assert "试开闸" not in page
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert gate_state(site.gate_id).state == "none"


def test_health_online_then_offline(site):
    """A polling agent shows 在线 with its version, adapter and address; silent 80 s, 离线."""
    api = paired_agent(site)
    api.version, api.adapter = "1.2.3", "serial"
    assert api.poll().status_code == 200
    block = _agent_block(_page(site), api.agent_id)
    assert "在线" in block and "离线" not in block
    assert '<dd class="agent-version">1.2.3</dd>' in block
    assert '<dd class="agent-adapter">serial</dd>' in block
    assert "127.0.0.1" in block
    with site.app.app_context(), tenant_context(site.tenant_id):
        assert gate_state(site.gate_id).state == "online"
    age_agent(site.app, site.tenant_id, api.agent_id, 80)
    block = _agent_block(_page(site), api.agent_id)
    assert "离线" in block and "在线" not in block
    with site.app.app_context(), tenant_context(site.tenant_id):
        state = gate_state(site.gate_id)
        assert (state.state, state.agents, state.has_agent) == ("offline", 1, True)


def test_test_open_and_the_results_table(site):
    """试开闸 sends a command as the manager; the table shows it pending, then its result."""
    api = paired_agent(site)
    response = site.office.post(f"/gates/{site.gate_id}/agents/test")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/gates/{site.gate_id}/agents"
    [carried] = api.commands()
    row = command(site.app, site.tenant_id, carried["id"])
    assert (row.requested_by_kind, row.requested_by_name) == ("user", "王经理")
    page = _page(site)
    assert '<tr class="command" data-status="pending">' in page
    assert api.claim(carried["id"]).status_code == 200
    assert api.report(carried["id"], "opened", "HTTP 200 · 1 OK · ok").status_code == 200
    page = _page(site)
    assert '<tr class="command" data-status="opened">' in page
    assert "HTTP 200 · 1 OK · ok" in page
    assert '<dd class="agent-last">已开闸' in _agent_block(page, api.agent_id)
    assert audit_kinds(site.app, site.tenant_id)[-2:] == [
        "gate_command.sent",
        "gate_command.opened",
    ]


def test_page_settles_stale_commands(site):
    """A command nobody took shows as 开闸器未接收 once its 10 s are over."""
    paired_agent(site)
    key = send_open(site.app, site.tenant_id, site.gate_id)
    age_command(site.app, site.tenant_id, key, 10)
    page = _page(site)
    assert '<tr class="command" data-status="expired">' in page
    assert "开闸器未接收" in page


def test_test_open_without_agent_is_explained(site):
    """试开闸 on a gate without an agent redirects back with the reason; no command."""
    response = site.office.post(f"/gates/{site.gate_id}/agents/test")
    assert response.status_code == 302
    page = _page(site)
    assert "该门岗还没有配对开闸器" in page
    assert "gate_command.sent" not in audit_kinds(site.app, site.tenant_id)


def test_test_open_needs_csrf(site):
    """试开闸 without the CSRF token is 400 and sends nothing."""
    paired_agent(site)
    assert site.office.client.post(f"/gates/{site.gate_id}/agents/test").status_code == 400
    assert "gate_command.sent" not in audit_kinds(site.app, site.tenant_id)


def test_english_page(site):
    """The page is available in English."""
    paired_agent(site)
    page = site.office.client.get(f"/gates/{site.gate_id}/agents?lang=en").get_data(as_text=True)
    assert "<h2>Gate agent</h2>" in page
    assert '<span class="tag ok agent-state">Online</span>' in page
    assert "Recent commands" in page and "Test open" in page
