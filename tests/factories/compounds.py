"""Test helpers for compounds, gates and posters: factories and a signed-in office browser."""

from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import func, select

from tenants import tenant_context, unscoped
from tests.conftest import csrf_token, login
from tests.factories.accounts import PASSWORD, create_tenant, create_user
from xgm.compounds.models import Compound, Gate
from xgm.extensions import db

COMPOUND_FORM = {
    "name": "富春江畔花园",
    "address": "杭州市桐庐县桐君街道滨江路 288 号",
    "district": "桐庐县",
    "street": "桐君街道",
    "community": "滨江社区",
    "hotline": "0571-64612345",
}


def create_compound(tenant_id: int, name: str = "富春江畔花园", **fields) -> int:
    """A compound of the tenant (call inside an app context); returns its id."""
    values = {**COMPOUND_FORM, **fields, "name": name}
    with tenant_context(tenant_id):
        compound = Compound(**values)
        db.session.add(compound)
        db.session.commit()
        return compound.id


def create_gate(tenant_id: int, compound_id: int, name: str = "东门", active: bool = True) -> int:
    """A gate of a compound (call inside an app context); returns its id."""
    with tenant_context(tenant_id):
        gate = Gate(compound_id=compound_id, name=name, active=active)
        db.session.add(gate)
        db.session.commit()
        return gate.id


@dataclass
class Office:
    """A signed-in owner's browser plus handy access to the tenant's rows."""

    app: object
    client: object
    tenant_id: int
    csrf: str
    #: The signed-in owner's id (None where nobody asked for it).
    user_id: int | None = None

    def post(self, path: str, data: dict | None = None, csrf: bool = True):
        """POST a form as the browser would (with the CSRF token unless told otherwise)."""
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.csrf
        return self.client.post(path, data=form)

    @contextmanager
    def tenant(self):
        """An app context acting for this tenant."""
        with self.app.app_context(), tenant_context(self.tenant_id):
            yield

    def count(self, model, *where) -> int:
        """Rows of a tenant-owned model in this tenant."""
        with self.tenant():
            query = select(func.count()).select_from(model)
            for clause in where:
                query = query.where(clause)
            return db.session.scalar(query)

    def gate(self, gate_id: int) -> Gate:
        """A fresh copy of one of the tenant's gates (detached, attributes loaded)."""
        with self.tenant():
            gate = db.session.scalars(select(Gate).where(Gate.id == gate_id)).one()
            db.session.expunge(gate)
            return gate

    def gates(self) -> list[Gate]:
        """Fresh copies of all the tenant's gates, in id order."""
        with self.tenant():
            gates = db.session.scalars(select(Gate).order_by(Gate.id)).all()
            db.session.expunge_all()
            return list(gates)

    def compound(self, compound_id: int) -> Compound:
        """A fresh copy of one of the tenant's compounds (detached, attributes loaded)."""
        with self.tenant():
            compound = db.session.scalars(select(Compound).where(Compound.id == compound_id)).one()
            db.session.expunge(compound)
            return compound

    def add_compound(self, name: str = "富春江畔花园", **fields) -> int:
        """Create a compound directly (not through the form); returns its id."""
        with self.app.app_context():
            return create_compound(self.tenant_id, name, **fields)

    def add_gate(self, compound_id: int, name: str = "东门", active: bool = True) -> int:
        """Create a gate directly; returns its id."""
        with self.app.app_context():
            return create_gate(self.tenant_id, compound_id, name, active)


def sign_in_office(
    app, client, email: str, company: str | None = "桐庐安居物业服务有限公司"
) -> Office:
    """A new tenant (named `company`; None: a numbered name) with its owner signed in through
    the real login form."""
    with app.app_context():
        tenant = create_tenant(company)
        user = create_user(tenant, email=email)
        tenant_id, user_id = tenant.id, user.id
    assert login(client, email, PASSWORD).status_code == 302
    return Office(app, client, tenant_id, csrf_token(client, "/compounds/new"), user_id)


def token_of(app, gate_id: int) -> str:
    """A gate's current token, read across tenants as the scan route does."""
    with app.app_context(), unscoped():
        return db.session.scalars(select(Gate.token).where(Gate.id == gate_id)).one()
