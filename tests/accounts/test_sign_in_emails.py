"""One sign-in namespace: an email belongs to one account of /login (owner, manager, observer)."""

import uuid

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from tenants import Tenant, tenant_context
from tests.conftest import TEST_DB, _pg_admin, app_config, csrf_token, login
from tests.factories import (
    PASSWORD,
    create_observer,
    create_tenant,
    create_user,
    make_uscc,
    signed_in_operator,
)
from xgm import create_app
from xgm.accounts.emails import SignInEmail
from xgm.accounts.models import User
from xgm.extensions import db
from xgm.oversight.models import Observer

TAKEN = "该邮箱已被其他账号使用（物业公司账号或社区、街道观察员账号），请换一个邮箱"
SIGNUP_TAKEN = "该邮箱已被其他账号使用，请直接登录或换一个邮箱"


def _count(model) -> int:
    from tenants import unscoped

    with unscoped():
        return db.session.scalar(select(func.count()).select_from(model))


def test_signup_refuses_an_observers_email_whatever_its_case(app, client):
    """A stranger signing up with an official's email (other case, spaces) is refused: no tenant."""
    with app.app_context():
        create_observer(email="official@gov.example")
    token = csrf_token(client, "/signup")
    response = client.post(
        "/signup",
        data={
            "company_name": "某某物业有限公司",
            "uscc": make_uscc(),
            "contact_name": "李四",
            "email": "  Official@GOV.example ",
            "phone": "13800001234",
            "password": "long-enough-pass",
            "password_confirm": "long-enough-pass",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert SIGNUP_TAKEN in response.get_data(as_text=True)
    with app.app_context():
        assert (_count(Tenant), _count(User)) == (0, 0)
    assert login(client, "official@gov.example", PASSWORD).headers["Location"] == "/oversight"


def test_team_refuses_an_observers_email(app, client):
    """The owner cannot add a manager with an official's email."""
    with app.app_context():
        create_user(create_tenant(), "owner", email="owner@example.com")
        create_observer(email="official@gov.example")
    login(client, "owner@example.com", PASSWORD)
    response = client.post(
        "/team",
        data={
            "name": "王五",
            "email": "OFFICIAL@gov.example",
            "phone": "13800001234",
            "password": "long-enough-pass",
            "password_confirm": "long-enough-pass",
            "csrf_token": csrf_token(client, "/team"),
        },
    )
    assert response.status_code == 200
    assert TAKEN in response.get_data(as_text=True)
    with app.app_context():
        assert _count(User) == 1


@pytest.mark.parametrize("existing", ["office", "observer"])
def test_observer_form_refuses_an_email_in_use(app, client, existing):
    """The operator's observer form refuses an office user's or another observer's email."""
    with app.app_context():
        if existing == "office":
            create_user(create_tenant(), "owner", email="taken@example.com")
        else:
            create_observer(email="taken@example.com")
    signed_in_operator(app, client)
    response = client.post(
        "/ops/observers/new",
        data={
            "name": "北山街道办事处",
            "email": " Taken@Example.com",
            "password": "street-pass-2024",
            "division_code": "330106002000",
            "role": "observer",
            "csrf_token": csrf_token(client, "/ops/observers"),
        },
    )
    assert response.status_code == 200
    assert TAKEN in response.get_data(as_text=True)
    with app.app_context():
        assert _count(Observer) == (0 if existing == "office" else 1)


def test_the_database_refuses_a_second_account_with_the_email(app):
    """Past every form: the unique index of sign_in_email refuses it, across kinds and cases."""
    with app.app_context():
        tenant = create_tenant()
        create_user(tenant, "owner", email="Shared@Example.com ")
        with pytest.raises(IntegrityError):
            create_observer(email="shared@example.COM")
        db.session.rollback()
        create_observer(email="official@gov.example")
        with pytest.raises(IntegrityError), tenant_context(tenant.id):
            db.session.add(
                User(
                    email=" OFFICIAL@gov.example",
                    name="冒名",
                    phone="13800000000",
                    role="manager",
                    password_hash="x",
                )
            )
            db.session.commit()
        db.session.rollback()
        rows = db.session.execute(
            select(SignInEmail.email, SignInEmail.kind).order_by(SignInEmail.id)
        ).all()
        assert [tuple(r) for r in rows] == [
            ("shared@example.com", "user"),
            ("official@gov.example", "observer"),
        ]
        assert _count(User) == 1 and _count(Observer) == 1


def test_namespace_follows_email_changes_and_deletions(app):
    """Changing an account's email moves its row; deleting the account frees the email."""
    with app.app_context():
        observer = create_observer(email="old@gov.example")
        observer.email = " New@Gov.example"
        db.session.commit()
        assert db.session.scalars(select(SignInEmail.email)).all() == ["new@gov.example"]
        assert observer.email == "new@gov.example"
        db.session.delete(observer)
        db.session.commit()
        assert db.session.scalars(select(SignInEmail.email)).all() == []
        create_user(create_tenant(), "owner", email="new@gov.example")  # free again


@pytest.fixture
def database_0007(tmp_path):
    """A throwaway database migrated to 0007 (before the namespace); yields its URL."""
    if TEST_DB == "postgresql":
        name = f"xgm_ns_{uuid.uuid4().hex[:8]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'ns.sqlite3'}"
    app = create_app(app_config(url))
    with app.app_context():
        upgrade(revision="0007")
        db.engine.dispose()
    yield app, url
    if TEST_DB == "postgresql":
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_0007(url: str, observer_email: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenant (id, name, uscc, contact_name, contact_phone, status, "
                "suspended_reason, shift_hours, retention_days, created_at) VALUES "
                "(1, '甲物业', :uscc, '张三', '13800000000', 'active', '', 12, 180, "
                "CURRENT_TIMESTAMP)"
            ),
            {"uscc": make_uscc()},
        )
        conn.execute(
            text(
                "INSERT INTO user_account (id, tenant_id, email, name, phone, role, "
                "password_hash, active, created_at, password_changed_at) VALUES "
                "(7, 1, ' Official@Gov.example', '冒名', '13800000000', 'owner', 'x', true, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO observer (id, email, name, password_hash, level, area, active, "
                "created_at) VALUES (3, :email, '北山街道办', 'x', 'street', '北山街道', true, "
                "CURRENT_TIMESTAMP)"
            ),
            {"email": observer_email},
        )
    engine.dispose()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migration_reports_existing_duplicates_and_changes_nothing(database_0007, capsys):
    """Two accounts with one email (different case): the migration names both and fails."""
    app, url = database_0007
    _seed_0007(url, "official@gov.example")
    with app.app_context():
        with pytest.raises(SystemExit):  # flask_migrate logs the error and exits non-zero
            upgrade()
        db.engine.dispose()
    report = capsys.readouterr().err
    assert "1 sign-in email(s) are used by more than one account; nothing was changed" in report
    assert "official@gov.example:" in report
    assert "user_account id=7 (tenant 1, owner) email=' Official@Gov.example'" in report
    assert "observer id=3 (北山街道) email='official@gov.example'" in report
    assert "sign_in_email" not in _tables(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0007"
    engine.dispose()


def test_migration_fills_the_namespace_when_there_are_no_duplicates(database_0007):
    """Without duplicates every account gets its row, emails normalised; sign-in works."""
    app, url = database_0007
    _seed_0007(url, "beishan@gov.example")
    with app.app_context():
        upgrade()
        rows = db.session.execute(
            select(SignInEmail.email, SignInEmail.kind, SignInEmail.account_id).order_by(
                SignInEmail.kind
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("beishan@gov.example", "observer", 3),
            ("official@gov.example", "user", 7),
        ]
        from tenants import unscoped

        with unscoped():
            assert db.session.scalar(select(User.email)) == "official@gov.example"
        db.session.remove()
        db.engine.dispose()
