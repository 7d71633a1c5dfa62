"""The door for Core statements on tenant tables, and the check the whole suite runs under."""

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import aliased

from tenants import (
    TenantRequired,
    UntenantedStatement,
    tenant_connection,
    tenant_context,
    unscoped,
    utcnow,
)
from tests.conftest import app_config
from tests.factories import create_tenant, create_user
from xgm import create_app
from xgm.accounts.models import User
from xgm.complaints import delivery_sql
from xgm.extensions import db
from xgm.passes.models import Arrival
from xgm.passes.scanning import _insert_unless_recent
from xgm.privacy.models import RiderDataAccess

users = User.__table__
access = RiderDataAccess.__table__


@pytest.fixture
def two_tenants(app):
    """Two tenants with one user each; yields (a, b) ids inside an app context."""
    with app.app_context():
        a, b = create_tenant(), create_tenant()
        for t in (a, b):
            create_user(t, "owner", email=f"owner{t.id}@example.com")
        yield a.id, b.id
        db.session.rollback()


def _viewing(tenant_id: int) -> dict:
    return {
        "tenant_id": tenant_id,
        "actor_kind": "guard",
        "actor_id": 1,
        "actor_name": "赵保安",
        "arrival_id": None,
        "rider_code": "XGM1",
        "place": "guard_card",
        "created_at": utcnow(),
    }


def test_a_bare_core_statement_on_a_tenant_table_is_refused(two_tenants):
    """Outside the door and unscoped(), Core SQL on a tenant table fails, naming the table,
    even with a tenant predicate (the door is the one way), and nothing is written."""
    a, _ = two_tenants
    with tenant_context(a):
        with pytest.raises(UntenantedStatement, match="'user_account'.*tenant_connection"):
            db.session.execute(update(users).where(users.c.tenant_id == a).values(name="改"))
        db.session.rollback()
        with pytest.raises(UntenantedStatement, match="'user_account'"):
            db.session.execute(text("SELECT count(*) FROM user_account"))
        db.session.rollback()
        assert db.session.scalars(select(User.name)).all() == ["王经理"]


def test_the_door_runs_a_statement_that_carries_the_current_tenant(two_tenants):
    """Through the door a Core UPDATE with the tenant predicate runs, for that tenant only."""
    a, b = two_tenants
    with tenant_context(a):
        stmt = update(users).where(users.c.tenant_id == a).values(name="改名")
        assert tenant_connection().execute(stmt).rowcount == 1
        db.session.commit()
    with unscoped():
        names = dict(db.session.execute(select(User.tenant_id, User.name)).all())
    assert names == {a: "改名", b: "王经理"}


@pytest.mark.parametrize(
    "make",
    [
        lambda a, b: (update(users).values(name="x"), None),
        lambda a, b: (update(users).where(users.c.tenant_id == b).values(name="x"), None),
        lambda a, b: (select(users.c.id).where(users.c.email != ""), None),
        lambda a, b: (insert(access), [_viewing(a), _viewing(b)]),
        lambda a, b: (text("DELETE FROM user_account WHERE tenant_id = :t"), {"t": b}),
    ],
    ids=["no-predicate", "other-tenant", "select", "insert-other-tenant-row", "text"],
)
def test_the_door_refuses_a_statement_without_the_current_tenant(two_tenants, make):
    """The door reads what is sent: no predicate, another tenant's predicate or row is refused
    before the database runs it."""
    a, b = two_tenants
    statement, params = make(a, b)
    with tenant_context(a), pytest.raises(UntenantedStatement, match="tenant-owned table"):
        tenant_connection().execute(statement, params)
    db.session.rollback()
    with unscoped():
        assert db.session.scalar(select(func.count()).select_from(RiderDataAccess)) == 0
        assert set(db.session.scalars(select(User.name))) == {"王经理"}


def test_the_door_needs_a_tenant(two_tenants):
    """With no tenant set the door does not open (fail closed, like the ORM wall)."""
    with pytest.raises(TenantRequired):
        tenant_connection()


def test_the_door_checks_in_production_too(database_url, _schema):
    """Without the suite's check (XGM_TENANT_SQL_CHECK off) the door still refuses."""
    app = create_app(app_config(database_url, XGM_TENANT_SQL_CHECK=False))
    with app.app_context():
        tenant = create_tenant()
        with tenant_context(tenant.id):
            with pytest.raises(UntenantedStatement, match="'user_account'"):
                tenant_connection().execute(update(users).values(name="x"))
            db.session.rollback()
            # ...and the bare statement is not checked at all there.
            assert db.session.execute(update(users).values(name="x")).rowcount == 0
        db.session.rollback()
        with unscoped():
            db.session.execute(text("DELETE FROM tenant"))
            db.session.commit()
        db.engine.dispose()


def test_unscoped_work_is_not_checked(two_tenants):
    """System work across tenants runs in unscoped(), where Core SQL is allowed."""
    with unscoped():
        assert db.session.execute(select(func.count()).select_from(users)).scalar() == 2
        db.session.execute(text("SELECT count(*) FROM user_account")).scalar()


def test_orm_statements_the_walls_scope_pass(two_tenants):
    """What the ORM scopes passes the check: joins, subqueries, flushes, reloads."""
    a, _ = two_tenants
    with tenant_context(a):
        owner = db.session.scalars(select(User)).one()
        sub = select(User.id).where(User.role == "owner")
        assert db.session.scalar(select(func.count()).where(User.id.in_(sub))) == 1
        other = aliased(User)
        joined = select(User.id).join(other, other.id == User.id)
        assert db.session.scalars(joined).all() == [owner.id]
        owner.name = "新名字"
        db.session.add(
            User(email="new@example.com", name="新人", role="manager", password_hash="x")
        )
        db.session.commit()
        assert owner.name == "新名字"  # the reload after the commit
        db.session.execute(insert(User).values(email="n2@example.com", name="二", tenant_id=a,
                                               role="manager", password_hash="x"))  # fmt: skip
        db.session.rollback()


def test_an_orm_statement_with_an_unfiltered_core_subquery_is_refused(two_tenants):
    """A Core table inside an ORM statement is not scoped by the ORM: without its own tenant
    predicate the check refuses the statement."""
    a, _ = two_tenants
    with tenant_context(a):
        seen = select(access.c.actor_id).where(access.c.actor_kind == "user")
        with pytest.raises(UntenantedStatement, match="'rider_data_access'"):
            db.session.scalar(select(func.count(User.id)).where(User.id.in_(seen)))
        db.session.rollback()
        scoped = seen.where(access.c.tenant_id == a)
        assert db.session.scalar(select(func.count(User.id)).where(User.id.in_(scoped))) == 0


def _scan_params(tenant_id: int) -> dict:
    params = {c.name: None for c in Arrival.__table__.c if c.name != "id"}
    return {**params, "tenant_id": tenant_id, "reuse_after": None}


@pytest.mark.parametrize(
    "old_way",
    [
        # xgm/passes/scanning.py before the door: the session's connection, directly.
        lambda a: db.session.connection().execute(_insert_unless_recent(), _scan_params(a)),
        # xgm/complaints/delivery.py before the door.
        lambda a: db.session.connection().execute(
            delivery_sql.DELIVERED, delivery_sql.params(1, at=None)
        ),
        # xgm/privacy/access_log.py and viewings.py before the door.
        lambda a: db.session.execute(insert(access), [_viewing(a)]),
    ],
    ids=["scan-arrival-insert", "complaint-delivery", "access-log"],
)
def test_the_hot_paths_without_the_door_would_trip_the_check(two_tenants, old_way):
    """The three hot-path writes as they ran before the door (Core SQL on the session's
    connection, tenant filter written by hand) are refused by the suite's check."""
    a, _ = two_tenants
    with tenant_context(a), pytest.raises(UntenantedStatement, match="tenant_connection"):
        old_way(a)
    db.session.rollback()


def test_the_viewing_buffer_without_the_door_would_trip_the_check(two_tenants):
    """The viewing buffer's writer thread has no tenant at all: its old bare INSERT of rows
    stamped with their tenants is refused too."""
    a, b = two_tenants
    with pytest.raises(UntenantedStatement, match="'rider_data_access'"):
        db.session.execute(insert(access), [_viewing(a), _viewing(b)])
    db.session.rollback()
