"""Pairing: a manager's one-time code becomes an agent's revocable credentials; revocation.

Like a gate phone's enrollment (xgm/devices/enrollment.py): the code is 8 characters from an
alphabet without look-alikes, stored only as its SHA-256, valid 15 minutes, used once (a
conditional UPDATE decides a race), and the pairing endpoint is rate-limited per address.
The agent's credential is `<agent id>.<secret>` with a 256-bit random secret, sent as a Bearer
token. The server keeps an HMAC-SHA256 of the secret: with that much entropy a fast keyed digest
is the right check (argon2 would cost ~100 ms of CPU on every long poll and buys nothing against
a secret nobody can guess), and a database dump does not reveal working credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from tenants import tenant_context, unscoped, utcnow
from xgm.audit import record
from xgm.devices.enrollment import CODE_ALPHABET, CODE_LENGTH, normalise_code
from xgm.devices.models import secret_digest as code_digest
from xgm.extensions import db
from xgm.gateagents.models import AgentPairingCode, GateAgent

CODE_TTL = timedelta(minutes=15)
CODE_RE = re.compile(f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
TOKEN_RE = re.compile(r"^(\d{1,12})\.([A-Za-z0-9_-]{20,100})$")
#: Domain-separation key of the secret digest (not SECRET_KEY: rotating that must not unpair
#: every gate).
_DIGEST_KEY = b"xgm gate agent secret v1"


class PairingError(Exception):
    """The code cannot pair an agent; `reason` is one of invalid, unknown, used, expired, gate."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def pairing_message(reason: str) -> str:
    """The Chinese explanation of a PairingError, shown by the agent to the installer."""
    return {
        "invalid": _("配对码应为 8 位字母和数字，请核对后重试"),
        "unknown": _("配对码不正确，请核对后重试"),
        "used": _("该配对码已经用过，请让管理员在门岗页面重新生成"),
        "expired": _("该配对码已过期（15 分钟有效），请让管理员重新生成"),
        "gate": _("该门岗已停用或所在小区已归档，不能配对开闸器"),
    }[reason]


def secret_digest(secret: str) -> str:
    """HMAC-SHA256 hex of an agent secret, as stored and compared."""
    return hmac.new(_DIGEST_KEY, secret.encode(), hashlib.sha256).hexdigest()


def create_code(gate, user=None) -> tuple[AgentPairingCode, str]:
    """Create a one-time pairing code for a gate; returns (row, code). Commits."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = utcnow()
    row = AgentPairingCode(
        code_hash=code_digest(code),
        gate_id=gate.id,
        created_by=user.id if user is not None else None,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    db.session.add(row)
    record("gate_agent.code_created", detail={"compound": gate.compound.name, "gate": gate.name})
    db.session.commit()
    return row, code


def pair(text: str, name: str = "", version: str = "", adapter: str = "", ip: str = ""):
    """Use a code once: create the GateAgent and return (agent, token). Commits."""
    code = normalise_code(text)
    if not CODE_RE.match(code):
        raise PairingError("invalid")
    with unscoped():  # the code alone says which tenant the agent will belong to
        row = db.session.scalars(
            select(AgentPairingCode).where(AgentPairingCode.code_hash == code_digest(code))
        ).first()
    if row is None:
        raise PairingError("unknown")
    if row.used_at is not None:
        raise PairingError("used")
    if row.expires_at <= utcnow():
        raise PairingError("expired")
    with tenant_context(row.tenant_id):
        gate = row.gate
        if not gate.active or gate.compound.archived:
            raise PairingError("gate")
        claimed = db.session.execute(
            update(AgentPairingCode)
            .where(AgentPairingCode.id == row.id, AgentPairingCode.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # another agent won the race for the same code
            db.session.rollback()
            raise PairingError("used")
        secret = secrets.token_urlsafe(32)
        now = utcnow()
        agent = GateAgent(
            tenant_id=row.tenant_id,
            compound_id=gate.compound_id,
            gate_id=gate.id,
            name=(name.strip() or _default_name(gate))[:40],
            secret_hash=secret_digest(secret),
            paired_at=now,
            last_seen_at=now,
            last_ip=ip[:45],
            version=version[:40],
            adapter=adapter[:20],
        )
        db.session.add(agent)
        db.session.flush()
        db.session.execute(
            update(AgentPairingCode)
            .where(AgentPairingCode.id == row.id)
            .values(agent_id=agent.id)
            .execution_options(synchronize_session=False)
        )
        record(
            "gate_agent.paired",
            actor=agent,
            detail={
                "compound": gate.compound.name,
                "gate": gate.name,
                "agent": agent.name,
                "adapter": agent.adapter,
                "version": agent.version,
            },
        )
        db.session.commit()
        return agent, f"{agent.id}.{secret}"


def _default_name(gate) -> str:
    count = db.session.scalar(
        select(func.count()).select_from(GateAgent).where(GateAgent.gate_id == gate.id)
    )
    return _("%(gate)s开闸器 %(n)s", gate=gate.name, n=count + 1)


def authenticate(header: str | None) -> tuple[GateAgent | None, str]:
    """The agent an `Authorization: Bearer <id>.<secret>` header names, and "" or why not.

    The reason is "missing", "invalid" or "revoked"; "revoked" is told only to a caller that
    holds the right secret, so the agent can tell its installer to pair again.
    """
    scheme, _sep, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None, "missing"
    match = TOKEN_RE.match(token.strip())
    if match is None:
        return None, "invalid"
    agent_id, secret = int(match.group(1)), match.group(2)
    with unscoped():  # the credential alone says which tenant the agent belongs to
        agent = db.session.get(GateAgent, agent_id)
    if agent is None or not hmac.compare_digest(secret_digest(secret), agent.secret_hash):
        return None, "invalid"
    if agent.revoked_at is not None:
        return None, "revoked"
    return agent, ""


def revoke_agent(agent: GateAgent) -> None:
    """Shut an agent off at once (its next request is refused, its open poll ends). Commits."""
    from xgm.gateagents.wakeups import wake_gate

    agent.revoked_at = utcnow()
    record(
        "gate_agent.revoked",
        detail={"compound": agent.compound.name, "gate": agent.gate.name, "agent": agent.name},
    )
    db.session.commit()
    wake_gate(agent.tenant_id, agent.gate_id)
