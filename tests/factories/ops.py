"""Factories and sign-in helpers for operators and observers."""

from itertools import count

from tests.conftest import csrf_token, login
from tests.factories.accounts import PASSWORD
from xgm.accounts.passwords import hash_secret
from xgm.extensions import db
from xgm.ops.models import Operator
from xgm.oversight.area import bind_observer
from xgm.oversight.models import Observer

_seq = count(1)


def create_operator(email: str | None = None, password: str = PASSWORD, active: bool = True):
    """A platform operator (call inside an app context)."""
    operator = Operator(
        email=email or f"op{next(_seq)}@xgm.example",
        name="运营",
        password_hash=hash_secret(password),
        active=active,
    )
    db.session.add(operator)
    db.session.commit()
    return operator


def create_observer(
    division_code: str = "330106002000",
    email: str | None = None,
    password: str = PASSWORD,
    active: bool = True,
    role: str = "observer",
    unbound: tuple[str, str] | None = None,
):
    """An observer bound to a division (北山街道 by default; call inside an app context).

    `unbound=(level, area)` makes an account of before divisions whose free-text area did
    not resolve: no division code, the text as typed then.
    """
    observer = Observer(
        email=email or f"ob{next(_seq)}@gov.example",
        name="北山街道办",
        password_hash=hash_secret(password),
        active=active,
        role=role,
    )
    if unbound is None:
        bind_observer(observer, division_code)
    else:
        observer.level, observer.area = unbound
    db.session.add(observer)
    db.session.commit()
    return observer


def ops_login(client, email: str, password: str = PASSWORD):
    """Sign in through the real operator sign-in form."""
    token = csrf_token(client, "/ops/login")
    return client.post(
        "/ops/login", data={"email": email, "password": password, "csrf_token": token}
    )


def observer_login(client, email: str, password: str = PASSWORD):
    """An observer signs in through the shared /login form."""
    return login(client, email, password)


def signed_in_operator(app, client, email: str = "root@xgm.example"):
    """Create an operator and sign the client in as them; returns the operator id."""
    with app.app_context():
        operator_id = create_operator(email).id
    assert ops_login(client, email).status_code == 302
    return operator_id
