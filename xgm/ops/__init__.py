"""The operator console (/ops): operator accounts, tenants, observers and system health."""

from flask import Blueprint

bp = Blueprint("ops", __name__)


def init_app(app) -> None:
    """Register the operator principal kind, operators as readers of GET /divisions and the
    `flask ops ...` commands."""
    from xgm.accounts.sessions import register_loader
    from xgm.divisions import register_reader
    from xgm.ops.access import load_operator
    from xgm.ops.cli import ops_cli

    register_loader("op", load_operator)
    register_reader(_operator_signed_in)
    app.cli.add_command(ops_cli)

    @app.context_processor
    def _operator_globals():
        from xgm.ops.access import current_operator

        return {"current_operator": current_operator()}

    @app.template_filter("ops_time")
    def _ops_time(timestamp) -> str:
        """A unix timestamp as Beijing time, for the console."""
        from datetime import datetime

        from xgm.reporting.periods import CN_TZ

        if not timestamp:
            return ""
        return datetime.fromtimestamp(int(timestamp), CN_TZ).strftime("%Y-%m-%d %H:%M:%S")


def _operator_signed_in() -> bool:
    """A platform operator is signed in (they pick observers' divisions)."""
    from xgm.ops.access import current_operator

    return current_operator() is not None


from xgm.ops import areas, views  # noqa: E402,F401  - registers the routes on bp
