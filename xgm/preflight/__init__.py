"""`flask --app wsgi check-config`: validate a production environment and name each problem.

The checks read the environment themselves (`xgm/preflight/checks.py`), so a configuration
that would stop the app from starting is still checked in full: while this command runs,
`create_app` falls back to defaults instead of raising on the first problem.
"""

from __future__ import annotations

import sys

COMMAND = "check-config"


def requested(argv: list[str] | None = None) -> bool:
    """True when this process runs `flask ... check-config`."""
    return COMMAND in (sys.argv if argv is None else argv)[1:]


def init_app(app) -> None:
    """Register the command."""
    import click

    from xgm.config import environment
    from xgm.preflight.checks import run_checks

    @app.cli.command(COMMAND)
    @click.option("--offline", is_flag=True, help="Skip the database and Redis connections.")
    def check_config_command(offline: bool):
        """Check the environment for production; print each problem, exit 1 if there is one."""
        results = run_checks(environment(), connect=not offline)
        problems = [r for r in results if r.level == "error"]
        for result in results:
            click.echo(f"{result.mark} {result.name}: {result.message}")
        if problems:
            click.echo(f"{len(problems)} problem(s): fix them before starting xgm in production.")
            sys.exit(1)
        click.echo("The configuration is ready for production.")
