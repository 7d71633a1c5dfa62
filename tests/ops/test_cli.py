"""`flask ops create-admin`: the contract's command creates and resets operator accounts."""

from sqlalchemy import select

from tests.factories import ops_login
from xgm.extensions import db
from xgm.ops.models import Operator


def _operators(app):
    with app.app_context():
        return db.session.scalars(select(Operator)).all()


def test_create_admin_creates_an_operator_who_can_sign_in(app, client):
    """The command creates one operator; they can sign in at /ops/login."""
    result = app.test_cli_runner().invoke(
        args=["ops", "create-admin", "--email", "Root@Xgm.Example", "--password", "long-enough-pw"]
    )
    assert result.exit_code == 0, result.output
    assert "created" in result.output
    operators = _operators(app)
    assert [(o.email, o.active) for o in operators] == [("root@xgm.example", True)]
    assert ops_login(client, "root@xgm.example", "long-enough-pw").status_code == 302


def test_create_admin_twice_resets_the_password_not_a_second_account(app, client):
    """Running it again for the same email updates that operator's password."""
    runner = app.test_cli_runner()
    runner.invoke(
        args=["ops", "create-admin", "--email", "a@x.example", "--password", "first-password"]
    )
    result = runner.invoke(
        args=["ops", "create-admin", "--email", "a@x.example", "--password", "second-password"]
    )
    assert result.exit_code == 0
    assert "updated" in result.output
    assert len(_operators(app)) == 1
    assert ops_login(client, "a@x.example", "first-password").status_code == 200
    assert ops_login(client, "a@x.example", "second-password").status_code == 302


def test_create_admin_refuses_a_weak_password(app):
    """A password under 10 characters is refused with a usage error and no account."""
    result = app.test_cli_runner().invoke(
        args=["ops", "create-admin", "--email", "a@x.example", "--password", "short"]
    )
    assert result.exit_code == 2
    assert _operators(app) == []
