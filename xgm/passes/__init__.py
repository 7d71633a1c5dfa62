"""The rider's scan and live pass, arrivals, and the live feed of them the guard phone follows."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("passes", __name__)


def init_app(app) -> None:
    """Register the arrivals log link, the city event and new-block handlers, the arrivals'
    retention purge and eraser, the expiry and unattended sweeps, the shift summary's figures
    and the CLI."""
    import click

    from xgm.blocks.rules import on_block_added
    from xgm.home.nav import NavLink, register_nav_link
    from xgm.passes.forms import DENY_REASONS
    from xgm.passes.jobs import EXPIRY, expire_arrivals, on_rider_status_changed, refuse_for_block
    from xgm.passes.retention import erase_arrivals, purge_arrivals
    from xgm.privacy.registry import register_eraser, register_purge
    from xgm.queues.periodic import PeriodicJob, register_periodic
    from xgm.webhooks import register_handler

    register_nav_link(NavLink(50, "passes.arrivals", _l("到访记录")))
    app.jinja_env.globals["deny_reasons"] = DENY_REASONS
    register_handler("rider.status_changed", on_rider_status_changed)
    on_block_added(refuse_for_block)
    register_purge("arrivals", purge_arrivals)
    register_eraser("arrivals", erase_arrivals)
    from xgm.gateagents.commands import on_command_finished
    from xgm.passes.barrier import on_command_settled

    on_command_finished(on_command_settled)  # the barrier's result reaches the card
    register_periodic(
        PeriodicJob(
            name=EXPIRY,
            func="xgm.passes.jobs.expire_arrivals_job",
            queue="default",
            interval_key="XGM_ARRIVAL_EXPIRY_INTERVAL",
        )
    )

    from xgm.passes.waiting import SWEEP

    register_periodic(
        PeriodicJob(
            name=SWEEP,
            func="xgm.passes.waiting.sweep_unattended_job",
            queue="default",
            interval_key="XGM_UNATTENDED_SWEEP_INTERVAL",
        )
    )
    register_shift_figures()

    @app.cli.command("expire-arrivals")
    def expire_arrivals_command():
        """Expire pending arrivals older than 10 minutes (every tenant)."""
        click.echo(f"expired {expire_arrivals()} arrivals")


def register_shift_figures() -> None:
    """The handover summary counts the arrivals this guard admitted and denied in the shift."""
    from sqlalchemy import func, select

    from xgm.extensions import db
    from xgm.guards.shifts import ShiftFigure, register_shift_figure
    from xgm.passes.models import Arrival

    def decided(outcome: str):
        def count(guard_session) -> int:
            return db.session.scalar(
                select(func.count()).where(
                    Arrival.decided_by_guard_id == guard_session.guard_id,
                    Arrival.outcome == outcome,
                    Arrival.decided_at >= guard_session.started_at,
                )
            )

        return count

    register_shift_figure(ShiftFigure(10, "admitted", _l("放行"), decided("admitted")))
    register_shift_figure(ShiftFigure(20, "denied", _l("拒绝"), decided("denied")))


from xgm.passes import log, preview, selfservice, views  # noqa: E402,F401  - registers the routes on bp
