"""Open commands: sent to a gate's agents, claimed by one of them at most once, reported back.

A command lives in the database (GateCommand); Redis only wakes the polls (wakeups.py). Its
life: `open_gate` creates it pending with a 10 s expiry; every poll of the gate's agents
carries it while it is pending and unexpired; the first agent whose claim lands (a conditional
UPDATE, before the expiry) owns it and drives its device; the agent reports opened, failed or
timeout with the device's answer. Nobody may claim it after its 10 s: it is settled as expired
and never executed. One claimed and never reported within RESULT_WAIT is settled unconfirmed
(a late report still replaces that). The agent, for its part, remembers the ids it executed,
so a command that reaches it twice (a dropped connection, a restart) still runs once.

Every command and result is in the audit log. Features that show results (the guard console)
register a callback with `on_command_finished` and read a command's state with
xgm.gateagents.display.command_json.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update

from tenants import tenant_context, unscoped, utcnow
from xgm.accounts.models import User
from xgm.audit import record
from xgm.compounds.models import Gate
from xgm.extensions import db
from xgm.gateagents.models import AGENT_OUTCOMES, GateAgent, GateCommand

log = logging.getLogger(__name__)

#: A command must be claimed within this time of being sent, or it is never executed.
COMMAND_TTL = timedelta(seconds=10)
#: A claimed command with no report after this is settled unconfirmed.
RESULT_WAIT = timedelta(seconds=30)
#: Commands a poll carries at most.
POLL_BATCH = 10
#: The answers the server itself writes when it settles a command (stored like a device's
#: answer, which the agent reports in Chinese; written by jobs too, outside any request).
NOT_CLAIMED = "10 秒内没有开闸器接收，未执行"
NOT_REPORTED = "开闸器接收后没有回报结果"

#: The audit event of each final status.
RESULT_EVENTS = {
    "opened": "gate_command.opened",
    "failed": "gate_command.failed",
    "timeout": "gate_command.timeout",
    "expired": "gate_command.expired",
    "unconfirmed": "gate_command.unconfirmed",
}

_FINISHED_CALLBACKS: list[Callable[[GateCommand], None]] = []


class NoGateAgent(Exception):
    """The gate has no paired, unrevoked agent: nothing can open it."""


class CommandRefused(Exception):
    """A claim or report the command's state does not allow; `reason` says which."""

    def __init__(self, reason: str, command: GateCommand | None = None):
        super().__init__(reason)
        self.reason = reason
        self.command = command


def on_command_finished(callback: Callable[[GateCommand], None]) -> None:
    """Register a callback run (after commit, in the command's tenant) when a command settles."""
    if callback not in _FINISHED_CALLBACKS:
        _FINISHED_CALLBACKS.append(callback)


def _finished(command: GateCommand) -> None:
    for callback in list(_FINISHED_CALLBACKS):
        try:
            callback(command)
        except Exception:  # one listener's failure must not lose the result for the others
            log.exception("gate command callback %r failed", callback)


def active_agents(gate_id: int) -> list[GateAgent]:
    """The gate's paired, unrevoked agents (current tenant)."""
    return list(
        db.session.scalars(
            select(GateAgent)
            .where(GateAgent.gate_id == gate_id, GateAgent.revoked_at.is_(None))
            .order_by(GateAgent.id)
        )
    )


def has_agent(gate_id: int) -> bool:
    """True when a paired, unrevoked agent can open this gate."""
    return bool(active_agents(gate_id))


#: record() fields of an event nobody in particular caused (it would default to whoever is
#: signed in on the request that noticed it).
SYSTEM_ACTOR = {"actor_kind": "system", "actor_id": None, "actor_name": ""}


def _actor_fields(actor) -> tuple[str, int | None, str]:
    if actor is None:
        return "system", None, ""
    if isinstance(actor, User):
        return "user", actor.id, actor.name
    kind, actor_id, name = actor.audit_actor()
    return kind, actor_id, name


def open_gate(gate, arrival=None, actor=None, now: datetime | None = None) -> GateCommand:
    """Send "open" to the gate's agents: the entry point of the guard's 放行 (and of tests).

    `gate` is a Gate of the current tenant, `arrival` the admitted Arrival (or None), `actor`
    who asked (a Guard, a User, or None for the system). Creates the command (pending, expiring
    10 s from now), writes the audit event, commits, then wakes the gate's agents wherever
    their polls are held. Returns the GateCommand; follow it with `command_json` or a callback
    registered with `on_command_finished`. Raises NoGateAgent when no agent is paired.
    """
    from xgm.gateagents.wakeups import wake_gate

    if not has_agent(gate.id):
        raise NoGateAgent(gate.id)
    now = now or utcnow()
    kind, actor_id, name = _actor_fields(actor)
    command = GateCommand(
        gate_id=gate.id,
        action="open",
        arrival_id=arrival.id if arrival is not None else None,
        requested_by_kind=kind,
        requested_by_id=actor_id,
        requested_by_name=(name or "")[:50],
        created_at=now,
        expires_at=now + COMMAND_TTL,
    )
    db.session.add(command)
    db.session.flush()
    record(
        "gate_command.sent",
        actor=actor,
        **({} if actor is not None else SYSTEM_ACTOR),
        detail={
            "compound": gate.compound.name,
            "gate": gate.name,
            "command": command.key,
            "arrival": command.arrival_id,
        },
    )
    db.session.commit()
    wake_gate(gate.tenant_id, gate.id)
    return command


def deliverable(agent: GateAgent, now: datetime | None = None) -> list[GateCommand]:
    """The commands an agent's poll carries: its gate's unexpired pending ones, and those it
    claimed and has not reported yet (so a claim or report lost with a connection is retried)."""
    now = now or utcnow()
    rows = list(
        db.session.scalars(
            select(GateCommand)
            .where(
                GateCommand.gate_id == agent.gate_id,
                or_(
                    and_(GateCommand.status == "pending", GateCommand.expires_at > now),
                    and_(
                        GateCommand.status == "claimed",
                        GateCommand.claimed_by_agent_id == agent.id,
                        GateCommand.claimed_at > now - RESULT_WAIT,
                    ),
                ),
            )
            .order_by(GateCommand.created_at, GateCommand.id)
            .limit(POLL_BATCH)
        )
    )
    fresh = [c.id for c in rows if c.delivered_at is None]
    if fresh:
        db.session.execute(
            update(GateCommand)
            .where(GateCommand.id.in_(fresh), GateCommand.delivered_at.is_(None))
            .values(delivered_at=now)
            .execution_options(synchronize_session=False)
        )
    return rows


def wire_json(command: GateCommand, agent: GateAgent, now: datetime | None = None) -> dict:
    """A command as the agent's poll carries it (expiry relative: the agent's clock may be off)."""
    now = now or utcnow()
    return {
        "id": command.key,
        "action": command.action,
        "expires_in": round(max(0.0, (command.expires_at - now).total_seconds()), 3),
        "claimed": command.status == "claimed" and command.claimed_by_agent_id == agent.id,
    }


def command_for_agent(agent: GateAgent, key: str) -> GateCommand | None:
    """A command of the agent's gate by its wire id (current tenant), or None."""
    return db.session.scalars(
        select(GateCommand).where(GateCommand.key == key, GateCommand.gate_id == agent.gate_id)
    ).first()


def claim(agent: GateAgent, command: GateCommand, now: datetime | None = None) -> GateCommand:
    """Give the command to this agent, at most once and only before its expiry. Commits.

    Raises CommandRefused("expired") after the 10 s (settling it expired) and
    CommandRefused("claimed") when another agent has it, or it is finished. The same agent
    claiming again (its first answer was lost) gets it again: it has not executed it yet, its
    own memory of executed ids guards against that.
    """
    now = now or utcnow()
    won = db.session.execute(
        update(GateCommand)
        .where(
            GateCommand.id == command.id,
            GateCommand.status == "pending",
            GateCommand.expires_at > now,
        )
        .values(status="claimed", claimed_at=now, claimed_by_agent_id=agent.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.refresh(command)
    if won.rowcount == 1:
        return command
    if command.status == "claimed" and command.claimed_by_agent_id == agent.id:
        if command.expires_at > now:
            return command
        raise CommandRefused("expired", command)
    if command.status == "pending":  # unclaimed and past its expiry
        settle(command, "expired", NOT_CLAIMED, now=now)
        raise CommandRefused("expired", command)
    raise CommandRefused("expired" if command.status == "expired" else "claimed", command)


def report(agent: GateAgent, command: GateCommand, outcome: str, answer: str) -> bool:
    """Record the agent's result; True if recorded, False if it was already. Commits.

    Only the claiming agent reports. A repeated report (the first answer was lost) is
    accepted and changes nothing; a different result for a finished command is refused,
    except that a late report replaces the server's "unconfirmed".
    """
    if outcome not in AGENT_OUTCOMES:
        raise ValueError(outcome)
    if command.claimed_by_agent_id != agent.id:
        raise CommandRefused("not_claimed", command)
    if command.status == outcome:
        return False
    if command.status not in ("claimed", "unconfirmed"):
        raise CommandRefused("finished", command)
    return settle(command, outcome, answer, agent=agent, expect=command.status, reported=True)


def settle(
    command: GateCommand,
    status: str,
    answer: str,
    agent: GateAgent | None = None,
    expect: str | None = None,
    now: datetime | None = None,
    reported: bool = False,
) -> bool:
    """Give a command its final status (once: only from `expect`, its current status), audit
    it, commit, and tell the registered callbacks. Returns False if another writer was first.

    `agent` is the agent that claimed it (its health shows the outcome); the audit event's actor
    is that agent when it `reported` the result, else the system."""
    now = now or utcnow()
    expect = expect or command.status
    changed = db.session.execute(
        update(GateCommand)
        .where(GateCommand.id == command.id, GateCommand.status == expect)
        .values(status=status, finished_at=now, answer=(answer or "")[:500])
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        db.session.refresh(command)
        return False
    if agent is not None:
        agent.last_outcome, agent.last_outcome_at = status, now
    gate = command_gate(command)
    actor = agent if reported else None
    record(
        RESULT_EVENTS[status],
        actor=actor,
        **({} if actor is not None else SYSTEM_ACTOR),
        detail={
            "compound": gate.compound.name if gate else "",
            "gate": gate.name if gate else "",
            "command": command.key,
            "arrival": command.arrival_id,
            "agent": agent.name if agent is not None else "",
            "answer": (answer or "")[:200],
        },
    )
    db.session.commit()
    db.session.refresh(command)
    _finished(command)
    return True


def command_gate(command: GateCommand):
    """The command's Gate (current tenant), or None if it is gone."""
    return db.session.get(Gate, command.gate_id)


def settle_stale(gate_id: int | None = None, now: datetime | None = None) -> int:
    """Settle the current tenant's commands past their time (of one gate, or all); returns how
    many: unclaimed after 10 s -> expired, claimed and unreported after 30 s -> unconfirmed."""
    now = now or utcnow()
    query = select(GateCommand).where(
        or_(
            and_(GateCommand.status == "pending", GateCommand.expires_at <= now),
            and_(GateCommand.status == "claimed", GateCommand.claimed_at <= now - RESULT_WAIT),
        )
    )
    if gate_id is not None:
        query = query.where(GateCommand.gate_id == gate_id)
    settled = 0
    for command in db.session.scalars(query.order_by(GateCommand.id)).all():
        if command.status == "pending":
            done = settle(command, "expired", NOT_CLAIMED, now=now)
        else:
            agent = db.session.get(GateAgent, command.claimed_by_agent_id)
            done = settle(command, "unconfirmed", NOT_REPORTED, agent=agent, now=now)
        settled += int(done)
    return settled


def settle_stale_everywhere(now: datetime | None = None) -> int:
    """The periodic sweep: settle every tenant's stale commands; returns how many."""
    now = now or utcnow()
    with unscoped():  # a sweep: which tenants have stale commands
        tenant_ids = list(
            db.session.scalars(
                select(GateCommand.tenant_id)
                .where(
                    or_(
                        and_(GateCommand.status == "pending", GateCommand.expires_at <= now),
                        and_(
                            GateCommand.status == "claimed",
                            GateCommand.claimed_at <= now - RESULT_WAIT,
                        ),
                    )
                )
                .distinct()
            )
        )
    db.session.rollback()
    settled = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id):
            settled += settle_stale(now=now)
    return settled
