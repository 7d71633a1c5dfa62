"""Sign-in sessions end on the server after 12 h unused and 14 days after sign-in (settings)."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tenants import tenant_context, utcnow
from tests.conftest import login
from tests.factories import (
    PASSWORD,
    create_observer,
    create_tenant,
    create_user,
    observer_login,
    signed_in_operator,
)
from xgm.accounts.models import LoginSession
from xgm.config import load_config
from xgm.extensions import db
from xgm.ops.models import OperatorSession
from xgm.oversight.models import ObserverSession

IDLE = timedelta(hours=12)
LIFETIME = timedelta(days=14)
IDLE_MESSAGE = "超过 12 小时未操作，已自动退出，请重新登录"
LIFETIME_MESSAGE = "登录已超过 14 天，为安全起见请重新登录"


def _office(app, client) -> int:
    with app.app_context():
        tenant = create_tenant()
        create_user(tenant, "owner", email="owner@example.com")
        tenant_id = tenant.id
    assert login(client, "owner@example.com", PASSWORD).status_code == 302
    return tenant_id


def _age_office_session(app, tenant_id: int, **ages) -> None:
    now = utcnow()
    with app.app_context(), tenant_context(tenant_id):
        db.session.execute(update(LoginSession).values(**{k: now - v for k, v in ages.items()}))
        db.session.commit()


def _office_session(app, tenant_id: int) -> LoginSession:
    with app.app_context(), tenant_context(tenant_id):
        row = db.session.scalars(select(LoginSession)).one()
        db.session.expunge(row)
        return row


def test_settings_come_from_the_environment(tmp_path: Path):
    """XGM_SESSION_IDLE_TIMEOUT and XGM_SESSION_MAX_AGE, in seconds; 12 h and 14 days default."""
    defaults = load_config(tmp_path, {"SECRET_KEY": "k"})
    assert (defaults["XGM_SESSION_IDLE_TIMEOUT"], defaults["XGM_SESSION_MAX_AGE"]) == (
        43200.0,
        1209600.0,
    )
    custom = load_config(
        tmp_path,
        {"SECRET_KEY": "k", "XGM_SESSION_IDLE_TIMEOUT": "600", "XGM_SESSION_MAX_AGE": "86400"},
    )
    assert (custom["XGM_SESSION_IDLE_TIMEOUT"], custom["XGM_SESSION_MAX_AGE"]) == (600.0, 86400.0)


def test_idle_office_session_ends_and_lands_on_login_with_a_message(app, client):
    """12 h without a request: the next one goes to /login, which says why; the row is revoked."""
    tenant_id = _office(app, client)
    _age_office_session(app, tenant_id, last_seen_at=IDLE + timedelta(seconds=1))
    response = client.get("/compounds")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/compounds"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert IDLE_MESSAGE in page
    assert _office_session(app, tenant_id).revoked_at is not None
    assert client.get("/compounds").status_code == 302  # and stays signed out
    assert login(client, "owner@example.com", PASSWORD).status_code == 302  # a fresh sign-in
    assert client.get("/").status_code == 200


def test_office_session_past_its_lifetime_ends_even_when_in_use(app, client):
    """14 days after sign-in the session ends, however recently it was used."""
    tenant_id = _office(app, client)
    _age_office_session(
        app, tenant_id, created_at=LIFETIME + timedelta(seconds=1), last_seen_at=timedelta(0)
    )
    response = client.get("/compounds")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert LIFETIME_MESSAGE in client.get("/login").get_data(as_text=True)
    assert _office_session(app, tenant_id).revoked_at is not None


def test_session_in_use_lives_on_and_is_touched(app, client):
    """11 h 59 min unused and 13 days old: still signed in, and the last use moves to now."""
    tenant_id = _office(app, client)
    _age_office_session(
        app,
        tenant_id,
        created_at=LIFETIME - timedelta(minutes=1),
        last_seen_at=IDLE - timedelta(minutes=1),
    )
    assert client.get("/").status_code == 200
    row = _office_session(app, tenant_id)
    assert row.revoked_at is None
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_timeouts_follow_the_settings(app, client):
    """With XGM_SESSION_IDLE_TIMEOUT=60, a session unused for 61 s is over."""
    app.config["XGM_SESSION_IDLE_TIMEOUT"] = 60
    tenant_id = _office(app, client)
    _age_office_session(app, tenant_id, last_seen_at=timedelta(seconds=30))
    assert client.get("/").status_code == 200
    _age_office_session(app, tenant_id, last_seen_at=timedelta(seconds=61))
    assert client.get("/compounds").status_code == 302
    assert "超过 1 分钟未操作" in client.get("/login").get_data(as_text=True)


def _age_rows(app, model, **ages) -> None:
    now = utcnow()
    with app.app_context():
        db.session.execute(update(model).values(**{k: now - v for k, v in ages.items()}))
        db.session.commit()


@pytest.mark.parametrize(
    ("ages", "message"),
    [
        ({"last_seen_at": IDLE + timedelta(seconds=1)}, IDLE_MESSAGE),
        ({"created_at": LIFETIME + timedelta(seconds=1)}, LIFETIME_MESSAGE),
    ],
)
def test_observer_sessions_expire_too(app, client, ages, message):
    """An observer's session ends the same way and lands on /login with the message."""
    with app.app_context():
        create_observer(email="ob@gov.example")
    assert observer_login(client, "ob@gov.example").status_code == 302
    assert client.get("/oversight").status_code == 200
    _age_rows(app, ObserverSession, **ages)
    response = client.get("/oversight")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert message in client.get("/login").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ObserverSession.revoked_at)).one() is not None


@pytest.mark.parametrize(
    ("ages", "message"),
    [
        ({"last_seen_at": IDLE + timedelta(seconds=1)}, IDLE_MESSAGE),
        ({"created_at": LIFETIME + timedelta(seconds=1)}, LIFETIME_MESSAGE),
    ],
)
def test_operator_sessions_expire_too(app, client, ages, message):
    """An operator's session ends the same way and lands on /ops/login with the message."""
    signed_in_operator(app, client)
    assert client.get("/ops").status_code == 200
    _age_rows(app, OperatorSession, **ages)
    response = client.get("/ops")
    assert response.status_code == 302 and response.headers["Location"].startswith("/ops/login")
    assert message in client.get("/ops/login").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(OperatorSession.revoked_at)).one() is not None
