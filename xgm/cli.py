"""Flask CLI commands: `flask --app wsgi seed-demo`."""

import click


def init_app(app) -> None:
    """Register the CLI commands."""

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Create the demo tenant (and its data) when the database has no tenant yet."""
        from xgm.demo import seed_demo

        lines = seed_demo()
        for line in lines:
            click.echo(line)
