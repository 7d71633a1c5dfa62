"""The periodic sweep that settles open commands nobody took (expired) or reported (unconfirmed)."""

from xgm.gateagents.commands import settle_stale_everywhere

SWEEP = "settle-gate-commands"


def settle_commands_job() -> int:
    """The periodic run (every XGM_GATE_COMMAND_SWEEP_INTERVAL s): schedule the next, then settle.

    Screens settle a gate's commands when they show them; this puts every expiry and every
    missing report in the audit log even when nobody looks.
    """
    from xgm.queues.periodic import schedule_next

    schedule_next(SWEEP)
    return settle_stale_everywhere()
