"""The operator console (/ops): operator accounts, tenants, observers and system health."""

from flask import Blueprint

bp = Blueprint("ops", __name__)


def init_app(app) -> None:
    """Register the operator principal kind and the `flask ops ...` commands."""
    from xgm.accounts.sessions import register_loader
    from xgm.ops.access import load_operator
    from xgm.ops.cli import ops_cli

    register_loader("op", load_operator)
    app.cli.add_command(ops_cli)

    @app.context_processor
    def _operator_globals():
        from xgm.ops.access import current_operator

        return {"current_operator": current_operator()}

    @app.template_filter("ops_time")
    def _ops_time(timestamp) -> str:
        """A unix timestamp as Beijing time, for the console."""
        from datetime import datetime

        from xgm.dashboard.periods import CN_TZ

        if not timestamp:
            return ""
        return datetime.fromtimestamp(int(timestamp), CN_TZ).strftime("%Y-%m-%d %H:%M:%S")


from xgm.ops import views  # noqa: E402,F401  - registers the routes on bp
