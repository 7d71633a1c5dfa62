"""`flask --app wsgi ops create-admin --email E --password P`: the first platform operator."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from xgm.accounts.passwords import hash_secret, password_problem
from xgm.accounts.principals import revoke_all
from xgm.extensions import db
from xgm.ops.models import Operator, OperatorSession

ops_cli = AppGroup("ops", help="Platform operator commands.")


@ops_cli.command("create-admin")
@click.option("--email", required=True, help="Sign-in email of the operator.")
@click.option("--password", required=True, help="At least 10 characters, not all digits.")
@click.option("--name", default="", help="Display name (defaults to the email's local part).")
def create_admin(email: str, password: str, name: str) -> None:
    """Create a platform operator account (or reset its password and reactivate it)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise click.BadParameter("not an email address", param_hint="--email")
    if password_problem(password):
        raise click.BadParameter("at least 10 characters, not all digits", param_hint="--password")
    operator = db.session.scalars(
        select(Operator).where(func.lower(Operator.email) == email)
    ).first()
    if operator is None:
        operator = Operator(
            email=email,
            name=(name or email.split("@")[0])[:50],
            password_hash=hash_secret(password),
        )
        db.session.add(operator)
        verb = "created"
    else:
        operator.password_hash = hash_secret(password)
        operator.active = True
        revoke_all(OperatorSession, "operator_id", operator.id)
        if name:
            operator.name = name[:50]
        verb = "updated"
    db.session.commit()
    click.echo(f"Operator {email} {verb} (id {operator.id}).")
