"""Helpers of the gate agent tests: pairing through the real page and API, the agent's calls."""

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from tenants import tenant_context, utcnow
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents.models import GateAgent, GateCommand

AGENT_CODE_RE = re.compile(r'id="agent-code">([^<]+)<')


def pairing_code(office, gate_id: int) -> str:
    """POST /gates/<id>/agents/new as the manager and read the code from #agent-code."""
    response = office.post(f"/gates/{gate_id}/agents/new")
    assert response.status_code == 302, response.status_code
    page = office.client.get(response.headers["Location"])
    match = AGENT_CODE_RE.search(page.get_data(as_text=True))
    assert match, "no #agent-code on the page"
    return match.group(1)


def pair(client, code: str, **fields):
    """POST /api/agent/pair as an agent would."""
    return client.post("/api/agent/pair", json={"code": code, **fields})


@dataclass
class AgentApi:
    """An agent's calls through a test client, with its Bearer credentials."""

    client: object
    token: str
    version: str = "1.0.0"
    adapter: str = "hikvision"

    @property
    def agent_id(self) -> int:
        """The agent's id (the first part of its credential)."""
        return int(self.token.split(".")[0])

    def _headers(self) -> dict:
        return {
            "Authorization": f"Bearer {self.token}",
            "X-Agent-Version": self.version,
            "X-Agent-Adapter": self.adapter,
        }

    def poll(self, wait: float = 0):
        """GET /api/agent/commands?wait=..."""
        return self.client.get(f"/api/agent/commands?wait={wait}", headers=self._headers())

    def commands(self) -> list[dict]:
        """One immediate poll's commands (asserting 200)."""
        response = self.poll()
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()["commands"]

    def claim(self, key: str):
        """POST .../claim."""
        return self.client.post(f"/api/agent/commands/{key}/claim", headers=self._headers())

    def report(self, key: str, outcome: str, answer: str = ""):
        """POST .../result."""
        return self.client.post(
            f"/api/agent/commands/{key}/result",
            json={"outcome": outcome, "answer": answer},
            headers=self._headers(),
        )


def paired_agent(site, gate_id: int | None = None, **fields) -> AgentApi:
    """A new agent paired with the site's gate through the real page and API."""
    code = pairing_code(site.office, gate_id or site.gate_id)
    response = pair(site.app.test_client(), code, **fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return AgentApi(site.app.test_client(), response.get_json()["token"])


def send_open(app, tenant_id: int, gate_id: int, actor=None, now=None) -> str:
    """open_gate() for a gate, as the guard's 放行 will call it; returns the command's key."""
    from xgm.gateagents.commands import open_gate

    with app.app_context(), tenant_context(tenant_id):
        gate = db.session.get(Gate, gate_id)
        return open_gate(gate, actor=actor, now=now).key


def command(app, tenant_id: int, key: str) -> GateCommand:
    """A detached fresh copy of a command."""
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.scalars(select(GateCommand).where(GateCommand.key == key)).one()
        db.session.expunge(row)
        return row


def agent(app, tenant_id: int, agent_id: int) -> GateAgent:
    """A detached fresh copy of an agent."""
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.get(GateAgent, agent_id)
        db.session.expunge(row)
        return row


def age_command(app, tenant_id: int, key: str, seconds: float) -> None:
    """Move a command's times `seconds` into the past (a controlled clock, no sleeping)."""
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.scalars(select(GateCommand).where(GateCommand.key == key)).one()
        shift = timedelta(seconds=seconds)
        values = {"created_at": row.created_at - shift, "expires_at": row.expires_at - shift}
        if row.claimed_at is not None:
            values["claimed_at"] = row.claimed_at - shift
        db.session.execute(update(GateCommand).where(GateCommand.id == row.id).values(**values))
        db.session.commit()


def age_agent(app, tenant_id: int, agent_id: int, seconds: float) -> None:
    """Move an agent's last poll `seconds` into the past."""
    with app.app_context(), tenant_context(tenant_id):
        db.session.execute(
            update(GateAgent)
            .where(GateAgent.id == agent_id)
            .values(last_seen_at=utcnow() - timedelta(seconds=seconds))
        )
        db.session.commit()
