"""Rider personal data under PIPL: the retention job, its tenant setting and the access log."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)


def init_app(app) -> None:
    """Schedule the daily retention job, add `flask privacy purge`, no-store rider data."""
    import click
    from flask.cli import AppGroup

    from xgm.privacy import caching
    from xgm.queues.periodic import PeriodicJob, register_periodic

    caching.init_app(app)
    from flask_babel import lazy_gettext as _l

    from xgm.home.nav import NavLink, register_nav_link
    from xgm.home.notices import register_notices
    from xgm.privacy.deletions import deletion_notices

    register_nav_link(NavLink(92, "privacy.deletions", _l("删除申请")))
    register_notices("privacy.deletions", deletion_notices)
    from xgm.privacy.phones import mask_phone

    app.add_template_filter(mask_phone, "mask_phone")

    register_periodic(
        PeriodicJob(
            name="rider-data-retention",
            func="xgm.privacy.jobs.purge_rider_data",
            queue="default",
            interval_key="XGM_RETENTION_INTERVAL",
            timeout=3600,
        )
    )

    privacy_cli = AppGroup("privacy", help="Rider personal data (PIPL).")

    @privacy_cli.command("purge")
    def purge_command():
        """Run the retention job now: blank rider data older than each tenant's period."""
        from xgm.privacy.jobs import purge_rider_data

        for tenant_id, changed in purge_rider_data().items():
            click.echo(f"tenant {tenant_id}: {changed}")

    app.cli.add_command(privacy_cli)


from xgm.privacy import deletions, views  # noqa: E402,F401  - registers the routes on bp
from xgm.privacy.access_log import log_access, register_places  # noqa: E402
from xgm.privacy.caching import mark_rider_data, shows_rider_data  # noqa: E402
from xgm.privacy.phones import mask_phone  # noqa: E402

__all__ = [
    "bp",
    "init_app",
    "log_access",
    "mark_rider_data",
    "mask_phone",
    "register_places",
    "shows_rider_data",
]
