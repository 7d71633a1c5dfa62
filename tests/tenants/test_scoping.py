"""The tenancy walls at the ORM level."""

import pytest
from sqlalchemy import delete, func, select, update

from tenants import CrossTenantWrite, TenantRequired, tenant_context, unscoped
from tests.factories import create_tenant, create_user
from xgm.accounts.models import User
from xgm.extensions import db


@pytest.fixture
def two_tenants(app):
    """Two tenants with two users each; yields (tenant_a, tenant_b) ids inside an app context."""
    with app.app_context():
        a, b = create_tenant(), create_tenant()
        for t in (a, b):
            create_user(t, "owner", email=f"owner{t.id}@example.com")
            create_user(t, "manager", email=f"manager{t.id}@example.com")
        yield a.id, b.id


def test_select_sees_only_current_tenant(two_tenants):
    """A SELECT returns only the current tenant's rows."""
    a, b = two_tenants
    with tenant_context(a):
        emails = db.session.scalars(select(User.email).order_by(User.email)).all()
    assert emails == [f"manager{a}@example.com", f"owner{a}@example.com"]


def test_count_and_filter_by_other_tenant_id_are_scoped(two_tenants):
    """Even an explicit filter on another tenant's id finds nothing."""
    a, b = two_tenants
    with tenant_context(a):
        assert db.session.scalar(select(func.count()).select_from(User)) == 2
        assert db.session.scalars(select(User).where(User.tenant_id == b)).all() == []


def test_update_is_scoped(two_tenants):
    """A bulk UPDATE touches only the current tenant's rows."""
    a, b = two_tenants
    with tenant_context(a):
        result = db.session.execute(update(User).values(name="改名"))
        db.session.commit()
    assert result.rowcount == 2
    with tenant_context(b):
        names = set(db.session.scalars(select(User.name)).all())
    assert names == {"王经理"}


def test_delete_is_scoped(two_tenants):
    """A bulk DELETE removes only the current tenant's rows."""
    a, b = two_tenants
    with tenant_context(a):
        db.session.execute(delete(User).where(User.role == "manager"))
        db.session.commit()
    with unscoped():
        per_tenant = dict(
            db.session.execute(select(User.tenant_id, func.count()).group_by(User.tenant_id)).all()
        )
    assert per_tenant == {a: 1, b: 2}


def test_insert_is_stamped_with_current_tenant(two_tenants):
    """A new row gets the current tenant's id without being told."""
    a, _ = two_tenants
    with tenant_context(a):
        user = User(email="new@example.com", name="新人", role="manager", password_hash="x")
        db.session.add(user)
        db.session.commit()
        assert user.tenant_id == a


def test_no_tenant_raises_on_select(two_tenants):
    """With no tenant set, a query on a tenant-owned model fails closed."""
    with pytest.raises(TenantRequired):
        db.session.scalars(select(User)).all()


def test_no_tenant_raises_on_update_and_insert(two_tenants):
    """With no tenant set, UPDATE and INSERT fail closed too."""
    with pytest.raises(TenantRequired):
        db.session.execute(update(User).values(name="x"))
    db.session.rollback()
    db.session.add(User(email="x@example.com", name="x", role="manager", password_hash="x"))
    with pytest.raises(TenantRequired):
        db.session.flush()
    db.session.rollback()


def test_unscoped_sees_every_tenant(two_tenants):
    """The one escape hatch sees all tenants' rows."""
    with unscoped():
        assert db.session.scalar(select(func.count()).select_from(User)) == 4


def test_tenant_context_inside_unscoped_is_scoped_again(two_tenants):
    """Entering a tenant inside unscoped() restores the wall."""
    a, _ = two_tenants
    with unscoped(), tenant_context(a):
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_write_to_other_tenants_object_raises(two_tenants):
    """Changing a row loaded for another tenant is refused at flush."""
    a, b = two_tenants
    with unscoped():
        other = db.session.scalars(select(User).where(User.tenant_id == b)).first()
    with tenant_context(a):
        other.name = "入侵"
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_insert_for_other_tenant_raises(two_tenants):
    """Inserting a row stamped with another tenant is refused."""
    a, b = two_tenants
    with tenant_context(a):
        db.session.add(
            User(tenant_id=b, email="y@example.com", name="y", role="manager", password_hash="x")
        )
        with pytest.raises(CrossTenantWrite):
            db.session.flush()
        db.session.rollback()


def test_relationship_lazy_load_is_scoped(two_tenants):
    """Objects reached through a relationship stay inside the tenant."""
    from xgm.accounts.models import LoginSession

    a, b = two_tenants
    with tenant_context(b):
        user_b = db.session.scalars(select(User)).first()
        db.session.add(LoginSession(user_id=user_b.id, nonce="n-b"))
        db.session.commit()
    with tenant_context(a):
        assert db.session.scalars(select(LoginSession)).all() == []


def test_core_table_select_fails_closed_without_tenant(two_tenants):
    """A select on the bare table of a tenant-owned model is caught too."""
    with pytest.raises(TenantRequired):
        db.session.execute(select(func.count()).select_from(User.__table__)).scalar()


def test_subquery_on_tenant_table_is_scoped(two_tenants):
    """A tenant-owned model inside a subquery is scoped as well."""
    a, _ = two_tenants
    sub = select(User.id).where(User.role == "owner").scalar_subquery()
    with tenant_context(a):
        assert db.session.scalars(select(User.email).where(User.id.in_(sub))).all() == [
            f"owner{a}@example.com"
        ]


def test_the_tenant_owned_tables_are_read_once_and_again_after_a_new_mapper(app):
    """Every TenantScoped model's table and no other; the same set until a mapper is made
    (paid per statement: the registry is not walked each time)."""
    from sqlalchemy import Column, Integer, MetaData, Table
    from sqlalchemy.orm import registry as Registry

    from tenants import TenantScoped
    from tenants.scoping import _scoped_tables

    expected = {
        m.local_table for m in db.Model.registry.mappers if issubclass(m.class_, TenantScoped)
    }
    first = _scoped_tables()
    assert first == expected and "arrival" in {t.name for t in first}
    assert "tenant" not in {t.name for t in first}
    assert _scoped_tables() is first

    class Scratch:  # a mapper of a throwaway registry: the memo is dropped and read again
        pass

    Registry().map_imperatively(
        Scratch, Table("scratch", MetaData(), Column("id", Integer, primary_key=True))
    )
    again = _scoped_tables()
    assert again is not first and again == expected
