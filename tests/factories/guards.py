"""Test helpers for guards and gate phones: a company with two compounds, guards, enrolled phones."""

import re
from dataclasses import dataclass

from sqlalchemy import select, update

from tenants import tenant_context
from tests.conftest import CSRF_RE
from tests.factories.compounds import Office, create_compound, create_gate, sign_in_office
from xgm.audit.models import AuditEvent
from xgm.extensions import db
from xgm.guards.models import Guard, GuardSession
from xgm.guards.pins import set_pin

PIN = "482915"
CODE_RE = re.compile(r'id="enroll-code">([^<]+)<')


#: The guard tests' compounds: an address and a hotline, no division fields.
PLAIN_COMPOUND = {
    "address": "桐庐县桐君街道 1 号",
    "hotline": "0571-64610001",
    "district": "",
    "street": "",
    "community": "",
}


@dataclass
class Site:
    """A company: the owner's browser, compound `home` (gate `gate_id`) and compound `other`.

    make_site builds the guard tests' (甲苑 with 东门, 乙苑); make_complaint_site the complaint
    tests' (阳光花园 with 东门, 绿城小区 with 北门 `other_gate_id`, the owner `user_id`).
    """

    office: Office
    home: int
    gate_id: int
    other: int
    other_gate_id: int | None = None
    user_id: int | None = None

    @property
    def app(self):
        """The app under test."""
        return self.office.app

    @property
    def tenant_id(self) -> int:
        """The company's tenant id."""
        return self.office.tenant_id

    @property
    def client(self):
        """The owner's signed-in browser."""
        return self.office.client

    @property
    def csrf(self) -> str:
        """The CSRF token of the owner's session."""
        return self.office.csrf

    @property
    def compound_id(self) -> int:
        """Compound `home` by its other name."""
        return self.home

    @property
    def other_compound_id(self) -> int:
        """Compound `other` by its other name."""
        return self.other

    def post(self, path: str, data: dict | None = None):
        """POST a form with the CSRF token, as the owner's browser would."""
        return self.office.post(path, data)

    def add_guard(self, name: str = "张伟", compound_id: int | None = None, **fields) -> int:
        """A guard with PIN (default PIN), created directly; returns its id."""
        return create_guard(self.app, self.tenant_id, compound_id or self.home, name, **fields)

    def new_code(self, compound_id: int | None = None, gate_id: int | None = None) -> str:
        """A manager's enrollment code, created through the real page."""
        return new_code(self.office, compound_id or self.home, gate_id)

    def phone(self, compound_id: int | None = None, gate_id: int | None = None):
        """A new browser enrolled as a gate phone of the compound."""
        return enroll_phone(self.app, self.new_code(compound_id, gate_id))

    def guard(self, guard_id: int) -> Guard:
        """A detached fresh copy of a guard."""
        with self.app.app_context(), tenant_context(self.tenant_id):
            guard = db.session.scalars(select(Guard).where(Guard.id == guard_id)).one()
            db.session.expunge(guard)
            return guard

    def sessions(self, guard_id: int) -> list[GuardSession]:
        """A guard's sessions, oldest first (detached)."""
        with self.app.app_context(), tenant_context(self.tenant_id):
            rows = db.session.scalars(
                select(GuardSession)
                .where(GuardSession.guard_id == guard_id)
                .order_by(GuardSession.id)
            ).all()
            db.session.expunge_all()
            return list(rows)

    def audit_kinds(self) -> list[str]:
        """The kinds of the company's audit events, oldest first."""
        return audit_kinds(self.app, self.tenant_id)

    def end_shift_now(self, guard_id: int) -> None:
        """Move the guard's open sessions' end of shift into the past (no sleeping in tests)."""
        from datetime import timedelta

        from tenants import utcnow

        with self.app.app_context(), tenant_context(self.tenant_id):
            db.session.execute(
                update(GuardSession)
                .where(GuardSession.guard_id == guard_id, GuardSession.ended_at.is_(None))
                .values(ends_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()


def make_site(
    app, client, email: str = "owner@example.com", company: str = "桐庐安居物业服务有限公司"
) -> Site:
    """A company with its owner signed in, compound 甲苑 (gate 东门) and compound 乙苑."""
    office = sign_in_office(app, client, email, company)
    with app.app_context():
        home = create_compound(office.tenant_id, "甲苑", **PLAIN_COMPOUND)
        gate_id = create_gate(office.tenant_id, home, "东门")
        other = create_compound(office.tenant_id, "乙苑", **PLAIN_COMPOUND)
    return Site(office, home, gate_id, other)


def create_guard(
    app, tenant_id: int, compound_id: int, name: str = "张伟", pin: str = PIN, **fields
) -> int:
    """A guard of a compound with the given PIN; returns its id."""
    with app.app_context(), tenant_context(tenant_id):
        guard = Guard(
            name=name,
            phone=fields.pop("phone", "13700009999"),
            compound_id=compound_id,
            pin_hash="",
            **fields,
        )
        set_pin(guard, pin)
        db.session.add(guard)
        db.session.commit()
        return guard.id


def new_code(office: Office, compound_id: int, gate_id: int | None = None) -> str:
    """POST /compounds/<id>/devices/new as the manager and read the code from #enroll-code."""
    data = {"gate_id": gate_id} if gate_id else {}
    response = office.post(f"/compounds/{compound_id}/devices/new", data)
    assert response.status_code == 302, response.status_code
    page = office.client.get(response.headers["Location"])
    match = CODE_RE.search(page.get_data(as_text=True))
    assert match, "no #enroll-code on the page"
    return match.group(1)


def enroll_phone(app, code: str):
    """A fresh browser that opens the enrollment link (as the QR does); returns it."""
    phone = app.test_client()
    response = phone.get(f"/device/enroll?code={code}")
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/guard/signin"
    return phone


def page_csrf(client, path: str) -> str:
    """The CSRF token of a page's form."""
    match = CSRF_RE.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf_token on {path}"
    return match.group(1)


def pin_sign_in(phone, guard_id: int, pin: str = PIN, csrf: str | None = None):
    """Type a PIN on the phone for a guard, as the PIN pad submits it."""
    token = csrf or page_csrf(phone, f"/guard/signin?guard_id={guard_id}")
    return phone.post("/guard/signin", data={"guard_id": guard_id, "pin": pin, "csrf_token": token})


def signed_in_phone(site: Site, guard_id: int, compound_id: int | None = None, gate_id=None):
    """An enrolled phone with the guard signed in (asserted)."""
    phone = site.phone(compound_id, gate_id)
    response = pin_sign_in(phone, guard_id)
    assert response.status_code == 302, response.status_code
    assert response.headers["Location"] == "/guard"
    return phone


def audit_kinds(app, tenant_id: int) -> list[str]:
    """The kinds of a tenant's audit events, oldest first."""
    with app.app_context(), tenant_context(tenant_id):
        return list(db.session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))
